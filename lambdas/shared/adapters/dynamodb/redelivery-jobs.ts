/**
 * Redeliveries under way (`REDELIVERIES`/`<rdlId>`): the range, how far it got and its lease; and
 * the redelivery store over them, the arrival log and the transmissions.
 */
import { DeleteCommand, type DynamoDBDocumentClient, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { Clock } from '../../ports/observe';
import type { Redelivery, RedeliveryPreparation, RedeliveryStore } from '../../ports/redeliveries';
import { DynamoArrivalLog } from './arrival-log';
import { REDELIVERIES_PARTITION, redeliveryKey } from './keys';
import {
  conditionHeld,
  epochSeconds,
  type Item,
  itemDoesNotExist,
  queryAll,
  returnFoundItem,
  strip,
  type Table,
} from './table';
import { DynamoTransmissions } from './transmissions';

// A lease (`heldUntil`, epoch ms) is free when its holder let it run out; a retry finds its own holder.
const leaseFreeOrOwn = '(heldUntil < :now OR holder = :holder)';
const heldBy = 'holder = :holder AND heldUntil >= :now';
/** An unfinished redelivery whose destination vanished is swept after this anyway (s). */
const KEPT_SECONDS = 30 * 24 * 3600;

/** The redelivery store in Conveyor's table. */
export class DynamoRedeliveryStore implements RedeliveryStore {
  private readonly table: Table;
  private readonly arrivals: DynamoArrivalLog;
  private readonly transmissions: DynamoTransmissions;

  /**
   * @param client the document client (created once per module by the wiring)
   * @param tableName Conveyor's one table (its layout: `keys.ts`)
   * @param clock what leases are measured against (epoch ms)
   */
  constructor(
    client: DynamoDBDocumentClient,
    tableName: string,
    private readonly clock: Clock,
  ) {
    this.table = { client, tableName };
    this.arrivals = new DynamoArrivalLog(client, tableName);
    this.transmissions = new DynamoTransmissions(client, tableName);
  }

  lastSequence(destinationId: string): Promise<number> {
    return this.arrivals.lastSequence(destinationId);
  }

  firstSequenceArrivedFrom(destinationId: string, time: string, upTo: number): Promise<number> {
    return this.arrivals.firstSequenceArrivedFrom(destinationId, time, upTo);
  }

  listArrivals(destinationId: string, from: number, upTo: number, limit: number) {
    return this.arrivals.listRange(destinationId, from, upTo, limit);
  }

  prepareRedelivery(messageId: string, transmissionId: string, token: string): Promise<RedeliveryPreparation> {
    return this.transmissions.prepareRedelivery(messageId, transmissionId, token);
  }

  async create(redelivery: Redelivery, holder: string, leaseMs: number): Promise<void> {
    const { client, tableName } = this.table;
    const now = this.clock();
    await client.send(
      new PutCommand({
        TableName: tableName,
        Item: {
          ...redeliveryKey(redelivery.id),
          ...redelivery,
          holder,
          heldUntil: now.getTime() + leaseMs,
          expiresAt: epochSeconds(now) + KEPT_SECONDS,
        },
        // Ids are unique: a refusal is the SDK's retry of this put, applied already.
        ConditionExpression: `${itemDoesNotExist} OR holder = :holder`,
        ExpressionAttributeValues: { ':holder': holder },
      }),
    );
  }

  async listUnfinished(): Promise<Redelivery[]> {
    const items = await queryAll(this.table, REDELIVERIES_PARTITION, undefined, { consistent: true });
    return items.map((item) => {
      const { holder: _holder, heldUntil: _heldUntil, expiresAt: _expiresAt, ...redelivery } = strip<Item>(item)!;
      return redelivery as unknown as Redelivery;
    });
  }

  async take(redeliveryId: string, holder: string, leaseMs: number): Promise<boolean> {
    const { client, tableName } = this.table;
    const now = this.clock().getTime();
    return conditionHeld(
      client.send(
        new UpdateCommand({
          TableName: tableName,
          Key: redeliveryKey(redeliveryId),
          UpdateExpression: 'SET holder = :holder, heldUntil = :until',
          ConditionExpression: `attribute_exists(pk) AND ${leaseFreeOrOwn}`,
          ExpressionAttributeValues: { ':holder': holder, ':now': now, ':until': now + leaseMs },
          ...returnFoundItem,
        }),
      ),
      ([refusal]) => refusal?.found?.holder === holder,
    );
  }

  async advance(redeliveryId: string, holder: string, nextSequence: number, enqueued: number): Promise<boolean> {
    const { client, tableName } = this.table;
    return conditionHeld(
      client.send(
        new UpdateCommand({
          TableName: tableName,
          Key: redeliveryKey(redeliveryId),
          UpdateExpression: 'SET nextSequence = :next, enqueued = :enqueued',
          ConditionExpression: `attribute_exists(pk) AND ${heldBy}`,
          ExpressionAttributeValues: {
            ':holder': holder,
            ':now': this.clock().getTime(),
            ':next': nextSequence,
            ':enqueued': enqueued,
          },
          ...returnFoundItem,
        }),
      ),
      // A retry of an applied advance finds the values it set.
      ([refusal]) => refusal?.found?.holder === holder && refusal.found.nextSequence === nextSequence,
    );
  }

  async release(redeliveryId: string, holder: string): Promise<void> {
    const { client, tableName } = this.table;
    await conditionHeld(
      client.send(
        new UpdateCommand({
          TableName: tableName,
          Key: redeliveryKey(redeliveryId),
          UpdateExpression: 'SET heldUntil = :zero',
          ConditionExpression: 'attribute_exists(pk) AND holder = :holder',
          ExpressionAttributeValues: { ':holder': holder, ':zero': 0 },
        }),
      ),
    );
  }

  async finish(redeliveryId: string): Promise<void> {
    const { client, tableName } = this.table;
    await client.send(new DeleteCommand({ TableName: tableName, Key: redeliveryKey(redeliveryId) }));
  }
}
