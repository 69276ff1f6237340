/**
 * The mapping worklist: the destinations whose event-source mapping the reconciler is to look at.
 *
 *   pk         sk        item                                                    written in
 *   MAPPINGS   <dstId>   a destination on the worklist: `reason`, `desired`,     mapping-worklist.ts,
 *                        `episode`, `since`, `version`                           with every pause and
 *                                                                                resume (destination-state.ts)
 *
 * A pause or a resume puts the item in its own transaction (`mappingWorkPut`), replacing whatever
 * was there: a new `version` and `since`. The delivery function's evidence and the reconciler's
 * audit only add one where there is none (`add`), so the item keeps its age while the mapping
 * stays wrong. The reconciler removes an item only while it is the version it read.
 */
import { DeleteCommand, type DynamoDBDocumentClient, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { randomUUID } from 'node:crypto';
import type { Destination } from '../../domain/model';
import type { DesiredMapping, MappingWork, MappingWorklist, MappingWorkReason } from '../../ports/destination-state';
import type { Clock } from '../../ports/observe';
import { toDestination } from './directory';
import { destinationKey, type ItemKey } from './keys';
import { batchGetItems, conditionHeld, type Item, itemDoesNotExist, queryAll, type Table } from './table';

/** The partition of the worklist, one item per destination (sort key: the destination id). */
export const MAPPINGS_PARTITION = 'MAPPINGS';

export const mappingWorkKey = (destinationId: string): ItemKey => ({ pk: MAPPINGS_PARTITION, sk: destinationId });

// Each write of an item has its own `version`: a removal that finds another was overtaken by a newer write.
const stillThisVersion = 'version = :version';
// The mapping is recorded disabled only on the pause of the episode the reconciler saw.
const pausedInEpisode = '#status = :paused AND #pause.#pausedAt = :episode';

const workItem = (
  destinationId: string,
  reason: MappingWorkReason,
  now: Date,
  intent: { desired?: DesiredMapping; episode?: string } = {},
) => ({
  ...mappingWorkKey(destinationId),
  destinationId,
  reason,
  ...intent,
  since: now.toISOString(),
  version: randomUUID(),
});

/**
 * The write that puts a destination on the worklist with the state its new status asks for, for
 * the transaction that records the status (`DynamoDestinationState.recordPause`, `recordResume`).
 * Unconditional, so safe to repeat; it replaces an older item (a new version, a new `since`).
 */
export const mappingWorkPut = (
  tableName: string,
  destinationId: string,
  intent: { desired: DesiredMapping; episode?: string },
  now: Date,
) => ({
  Put: { TableName: tableName, Item: workItem(destinationId, 'status', now, intent) },
});

const toWork = (item: Item): MappingWork => {
  const { pk: _pk, sk: _sk, ...work } = item;
  return work as unknown as MappingWork;
};

/**
 * The worklist over Conveyor's one table. Refusals by a condition are answered (false, or
 * nothing); any other DynamoDB failure is thrown as the SDK raised it.
 */
export class DynamoMappingWorklist implements MappingWorklist {
  private readonly table: Table;

  /**
   * @param client the document client (created once per module, with `removeUndefinedValues`)
   * @param tableName Conveyor's one table (its layout: `keys.ts`, and this file for the worklist)
   * @param clock the time an item's `since` is taken from
   */
  constructor(
    client: DynamoDBDocumentClient,
    tableName: string,
    private readonly clock: Clock,
  ) {
    this.table = { client, tableName };
  }

  /** Every item, by destination id (strongly consistent, page by page). */
  async list(): Promise<MappingWork[]> {
    return (await queryAll(this.table, MAPPINGS_PARTITION, undefined, { consistent: true })).map(toWork);
  }

  /** Puts an item unless there is one; a repeat (or a retry of an applied put) finds it and writes nothing. */
  async add(destinationId: string, reason: Exclude<MappingWorkReason, 'status'>): Promise<void> {
    const { client, tableName } = this.table;
    await conditionHeld(
      client.send(
        new PutCommand({
          TableName: tableName,
          Item: workItem(destinationId, reason, this.clock()),
          ConditionExpression: itemDoesNotExist,
        }),
      ),
    );
  }

  /** The destinations that exist among these ids, strongly consistent (see `batchGetItems`: 100 keys a call, unprocessed keys asked again). */
  async destinations(destinationIds: readonly string[]): Promise<Destination[]> {
    const keys = [...new Set(destinationIds)].map((id) => destinationKey(id));
    return (await batchGetItems(this.table, keys)).map(toDestination);
  }

  /** Sets `pause.mappingDisabled` while the destination is paused in `episode`. Safe to repeat: it sets the same value. */
  async recordMappingDisabled(destinationId: string, episode: string): Promise<boolean> {
    const { client, tableName } = this.table;
    return conditionHeld(
      client.send(
        new UpdateCommand({
          TableName: tableName,
          Key: destinationKey(destinationId),
          UpdateExpression: 'SET #pause.#mappingDisabled = :disabled',
          ConditionExpression: pausedInEpisode,
          ExpressionAttributeNames: {
            '#status': 'status',
            '#pause': 'pause',
            '#pausedAt': 'pausedAt',
            '#mappingDisabled': 'mappingDisabled',
          },
          ExpressionAttributeValues: { ':paused': 'paused', ':episode': episode, ':disabled': true },
        }),
      ),
    );
  }

  /**
   * Deletes the item while it is the version read. A retry of an applied delete finds no item and
   * answers false, which the reconciler reads the same way: nothing left to remove.
   */
  async remove(work: MappingWork): Promise<boolean> {
    const { client, tableName } = this.table;
    return conditionHeld(
      client.send(
        new DeleteCommand({
          TableName: tableName,
          Key: mappingWorkKey(work.destinationId),
          ConditionExpression: stillThisVersion,
          ExpressionAttributeValues: { ':version': work.version },
        }),
      ),
    );
  }
}
