/** The outbox: alert emails written with the state change that causes them, sent afterwards. */
import { type DynamoDBDocumentClient, DeleteCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { randomUUID } from 'node:crypto';
import type { OutboxEmail, OutboxEmailKey } from '../../domain/model';
import type { Outbox } from '../../ports/alerts';
import type { Clock } from '../../ports/observe';
import { OUTBOX_PARTITION, outboxKey } from './keys';
import { conditionHeld, type Item, itemDoesNotExist, itemExists, returnFoundItem, strip, type Table } from './table';

/** How many emails one `list` returns, oldest first. */
const LIST_LIMIT = 100;

// A claim is a lease (`claimedUntil`, epoch ms): free when never taken, or when its holder let it run out.
const notClaimed = 'attribute_not_exists(claimedUntil)';
const claimExpired = 'claimedUntil < :now';
// Each claim writes its own `claimedBy`: a retry of an applied claim finds it (another sender's claim has another).
const isClaimedBy = (found: Item | undefined, claimant: string) => found?.claimedBy === claimant;

/** An alert is put once: its id is unique, so a put that finds it is a retry of its own applied put. */
const emailNotYetPut = itemDoesNotExist;

/**
 * The write that puts an alert in the outbox, for the transaction of the state change that causes
 * it (`DynamoDestinationState.recordPause`, `recordResume`). Conditional on the email not being
 * there yet (its id is unique: only the transaction's own earlier attempt put it), returning the
 * item it found when refused.
 */
export const outboxEmailPut = (tableName: string, email: OutboxEmail) => ({
  Put: {
    TableName: tableName,
    Item: { ...outboxKey(email), ...email },
    ConditionExpression: emailNotYetPut,
    ...returnFoundItem,
  },
});

/**
 * The write that withdraws a Resumed email still waiting out its settling time, for the
 * transaction of a pause within it (`DynamoDestinationState.recordPause`). Refused when the email
 * is gone or claimed: only a sender removes it, and a sender claims it only once it is due, so
 * either way its settling time is over and it is (being) sent.
 */
export const outboxEmailWithdraw = (tableName: string, email: OutboxEmailKey) => ({
  Delete: {
    TableName: tableName,
    Key: outboxKey(email),
    ConditionExpression: `${itemExists} AND ${notClaimed}`,
    ...returnFoundItem,
  },
});

/**
 * Alert emails not yet sent, oldest first, each claimed by one sender at a time. A claim refused by
 * its condition answers false; any other DynamoDB failure is thrown.
 */
export class DynamoOutbox implements Outbox {
  private readonly table: Table;

  /**
   * @param client the document client (`adapters/clients.ts`: created once per module, with `removeUndefinedValues`)
   * @param tableName Conveyor's one table (its layout: `keys.ts`)
   * @param clock the time a claim is measured against (its lease is in epoch ms)
   */
  constructor(
    client: DynamoDBDocumentClient,
    tableName: string,
    private readonly clock: Clock,
  ) {
    this.table = { client, tableName };
  }

  /**
   * Up to 100 emails not yet sent, the earliest due first (strongly consistent), without their
   * claims: every email due now comes before those still waiting (`outboxKey`).
   */
  async list(): Promise<OutboxEmail[]> {
    const { client, tableName } = this.table;
    const result = await client.send(
      new QueryCommand({
        TableName: tableName,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': OUTBOX_PARTITION },
        ConsistentRead: true,
        Limit: LIST_LIMIT,
      }),
    );
    return (result.Items ?? []).map((item) => {
      const {
        claimedUntil: _claimedUntil,
        claimedBy: _claimedBy,
        ...email
      } = strip<OutboxEmail & { claimedUntil?: number; claimedBy?: string }>(item)!;
      return email;
    });
  }

  /**
   * Claims the email for `leaseMs` (ms, from the clock): true when this call holds it, also when
   * its own earlier attempt was applied and its answer lost; false when another sender holds it
   * or it was sent and removed meanwhile.
   */
  async claim(email: OutboxEmail, leaseMs: number): Promise<boolean> {
    const { client, tableName } = this.table;
    const now = this.clock().getTime();
    const claimant = randomUUID();
    return conditionHeld(
      client.send(
        new UpdateCommand({
          TableName: tableName,
          Key: outboxKey(email),
          UpdateExpression: 'SET claimedUntil = :until, claimedBy = :claimant',
          // Removed meanwhile (sent by another sender) counts as taken.
          ConditionExpression: `${itemExists} AND (${notClaimed} OR ${claimExpired})`,
          ExpressionAttributeValues: { ':until': now + leaseMs, ':now': now, ':claimant': claimant },
          ...returnFoundItem,
        }),
      ),
      ([refusal]) => isClaimedBy(refusal?.found, claimant),
    );
  }

  /** Removes a sent email (an unconditional delete: safe to repeat). */
  async remove(email: OutboxEmail): Promise<void> {
    const { client, tableName } = this.table;
    await client.send(new DeleteCommand({ TableName: tableName, Key: outboxKey(email) }));
  }
}
