/**
 * Parked entries: the queue entry of a skipped transmission, kept (gzipped) so it can be replayed,
 * in as many chunks as DynamoDB's 400 KB item limit needs (`chunks.ts`).
 */
import { type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { gunzipChunks, gzipInChunks } from './chunks';
import { PARKED_CHUNK_PREFIX, parkedChunkKey, parkedKey, parkedPartition } from './keys';
import { DEFAULT_RECORD_RETENTION_DAYS, retentionSeconds } from '../../domain/record-retention';
import type { Clock } from '../../ports/observe';
import { epochSecondsOf, getItem, queryAll, type Table, transactWrite } from './table';

/**
 * The queue entries of skipped transmissions. The first item (`parkedKey`) holds the destination,
 * the chunk count and the first chunk; the other chunks follow it in its partition. An entry
 * parked before chunking is one item without a count, read as one chunk.
 *
 * All writes are unconditional, so repeating one (an SDK retry of an applied write, a skip
 * retried) leaves the same items: nothing to recognise.
 */
export class DynamoParking {
  private readonly table: Table;

  /**
   * @param client the document client (`adapters/clients.ts`: created once per module, with `removeUndefinedValues`)
   * @param tableName Conveyor's one table (its layout: `keys.ts`)
   * @param clock the time an entry is parked at
   * @param recordRetentionSeconds how long (s) after it is parked an entry is kept by TTL
   *   (`record-retention.ts`): a skipped transmission can be replayed that long after its skip
   */
  constructor(
    client: DynamoDBDocumentClient,
    tableName: string,
    private readonly clock: Clock = () => new Date(),
    private readonly recordRetentionSeconds: number = retentionSeconds(DEFAULT_RECORD_RETENTION_DAYS),
  ) {
    this.table = { client, tableName };
  }

  /**
   * Keeps the entry, all its chunks in one transaction (replacing one parked before for the same
   * transmission; chunks beyond the new count are left unread, and go with `remove`), each with
   * its TTL (`expiresAt`, epoch s): the record retention after now.
   * @throws the SDK's error when DynamoDB fails (ValidationException past a transaction's 4 MB)
   */
  async park(transmissionId: string, destinationId: string, envelope: string): Promise<void> {
    const { tableName } = this.table;
    const [first, ...rest] = gzipInChunks(envelope);
    const expiresAt = epochSecondsOf(this.clock().toISOString()) + this.recordRetentionSeconds;
    await transactWrite(this.table, [
      {
        Put: {
          TableName: tableName,
          Item: { ...parkedKey(transmissionId), destinationId, chunks: rest.length + 1, envelope: first, expiresAt },
        },
      },
      ...rest.map((chunk, index) => ({
        Put: {
          TableName: tableName,
          Item: { ...parkedChunkKey(transmissionId, index + 1), envelope: chunk, expiresAt },
        },
      })),
    ]);
  }

  /**
   * The parked entry, whole, read strongly consistent; undefined when none is parked.
   * @throws Error when some of its chunks are missing
   */
  async get(transmissionId: string): Promise<{ destinationId: string; envelope: string } | undefined> {
    const first = await getItem(this.table, parkedKey(transmissionId));
    if (!first) return undefined;
    const count = (first.chunks as number | undefined) ?? 1;
    const wanted = Array.from({ length: count - 1 }, (_, index) => parkedChunkKey(transmissionId, index + 1).sk);
    const found =
      count === 1
        ? []
        : await queryAll(this.table, parkedPartition(transmissionId), PARKED_CHUNK_PREFIX, { consistent: true });
    const rest = wanted.map((sk) => found.find((chunk) => chunk.sk === sk));
    const missing = rest.filter((chunk) => chunk === undefined).length;
    if (missing > 0)
      throw new Error(`The parked entry of ${transmissionId} is incomplete: ${count - missing} of ${count} chunks`);
    return {
      destinationId: first.destinationId as string,
      envelope: gunzipChunks([first, ...rest].map((chunk) => chunk!.envelope as Uint8Array)),
    };
  }

  /** Removes the entry, every item of it, in one transaction; nothing when none is parked. */
  async remove(transmissionId: string): Promise<void> {
    const { tableName } = this.table;
    const items = await queryAll(this.table, parkedPartition(transmissionId), undefined, {
      consistent: true,
      keysOnly: true,
    });
    if (items.length === 0) return;
    await transactWrite(
      this.table,
      items.map((item) => ({
        Delete: { TableName: tableName, Key: { pk: item.pk as string, sk: item.sk as string } },
      })),
    );
  }
}
