/**
 * The spill: queue entries of a long-paused destination, moved here before SQS's retention would
 * drop them, and their count (`spilled` on the destination's item).
 */
import { type DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { Spill, SpilledEntry } from '../../ports/spill';
import { gunzipChunks, gzipInChunks } from './chunks';
import { destinationKey, spillChunkKey, spilledEntryPrefix, spillPartition } from './keys';
import { conditionHeld, type Item, itemDoesNotExist, itemExists, type Table, transactWrite } from './table';

/** The write that counts an entry in or out of the destination's `spilled`. */
const countSpilled = (tableName: string, destinationId: string, by: 1 | -1) => ({
  Update: {
    TableName: tableName,
    Key: destinationKey(destinationId),
    UpdateExpression: by === 1 ? 'ADD spilled :one' : 'ADD spilled :minusOne',
    ExpressionAttributeValues: by === 1 ? { ':one': 1 } : { ':minusOne': -1 },
  },
});

/**
 * Each entry is gzipped and split into chunks (`chunks.ts`) written in one transaction with the
 * destination's `spilled` count, so an entry is kept whole, exactly once, or not at all. Sort keys
 * are the padded queue position, so the first item of the partition is the first chunk of the
 * oldest entry. A repeated keep or remove is recognised by its condition; any other DynamoDB
 * failure is thrown as the SDK raised it.
 *
 * Both are safe when a retry repeats an applied write: a keep that finds its entry kept answers
 * false, "kept already", which is what happened (the entry is kept once, and its caller deletes it
 * from the queue either way; a retry cannot be told from a repeated move of the same entry, nor
 * need it be); a remove that finds it gone does nothing.
 */
export class DynamoSpill implements Spill {
  private readonly table: Table;

  /**
   * @param client the document client (`adapters/clients.ts`: created once per module, with `removeUndefinedValues`)
   * @param tableName Conveyor's one table (its layout: `keys.ts`)
   */
  constructor(client: DynamoDBDocumentClient, tableName: string) {
    this.table = { client, tableName };
  }

  /**
   * Keeps an entry (its body of any size an SQS entry has) at its queue position and counts it in.
   * @returns false when it was kept already
   * @throws TransactionCanceledException when conflicts persisted; the SDK's error otherwise
   */
  async keep(destinationId: string, entry: SpilledEntry): Promise<boolean> {
    const { tableName } = this.table;
    const chunks = gzipInChunks(entry.body);
    return conditionHeld(
      transactWrite(this.table, [
        ...chunks.map((data, index) => ({
          Put: {
            TableName: tableName,
            Item: {
              ...spillChunkKey(destinationId, entry.position, index),
              position: entry.position,
              sentAt: entry.sentAt,
              chunks: chunks.length,
              data,
            },
            // On the first chunk: an entry moved twice (the mover died before deleting it from the queue) is kept once.
            ...(index === 0 ? { ConditionExpression: itemDoesNotExist } : {}),
          },
        })),
        countSpilled(tableName, destinationId, 1),
      ]),
    );
  }

  /** The oldest kept entry, whole (read strongly consistent); undefined when the spill is empty. */
  async first(destinationId: string): Promise<SpilledEntry | undefined> {
    const { client, tableName } = this.table;
    const head = await client.send(
      new QueryCommand({
        TableName: tableName,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': spillPartition(destinationId) },
        ConsistentRead: true,
        Limit: 1,
      }),
    );
    const firstChunk = head.Items?.[0];
    if (!firstChunk) return undefined;
    const parts =
      firstChunk.chunks === 1 ? [firstChunk] : await this.chunksOf(destinationId, firstChunk.position as string);
    return {
      position: firstChunk.position as string,
      sentAt: firstChunk.sentAt as string,
      body: gunzipChunks(parts.map((part) => part.data as Uint8Array)),
    };
  }

  /** Removes the entry and counts it out; nothing when it was removed already (a repeated remove). */
  async remove(destinationId: string, position: string): Promise<void> {
    const { tableName } = this.table;
    const parts = await this.chunksOf(destinationId, position);
    if (parts.length === 0) return;
    await conditionHeld(
      transactWrite(this.table, [
        ...parts.map((part, index) => ({
          Delete: {
            TableName: tableName,
            Key: { pk: part.pk, sk: part.sk },
            // On the first chunk: a concurrent remove of the same entry counts it out once.
            ...(index === 0 ? { ConditionExpression: itemExists } : {}),
          },
        })),
        countSpilled(tableName, destinationId, -1),
      ]),
    );
  }

  private async chunksOf(destinationId: string, position: string): Promise<Item[]> {
    const { client, tableName } = this.table;
    const result = await client.send(
      new QueryCommand({
        TableName: tableName,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
        ExpressionAttributeValues: { ':pk': spillPartition(destinationId), ':prefix': spilledEntryPrefix(position) },
        ConsistentRead: true,
      }),
    );
    return result.Items ?? [];
  }
}
