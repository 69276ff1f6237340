/** Parked entries: the queue entry of a skipped transmission, kept (gzipped) so it can be replayed. */
import { type DynamoDBDocumentClient, DeleteCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { gunzipSync, gzipSync } from 'node:zlib';
import { parkedKey } from './keys';
import { getItem, type Table } from './table';

/** The queue entries of skipped transmissions, one item each. */
export class DynamoParking {
  private readonly table: Table;

  /**
   * @param client the document client (`adapters/clients.ts`: created once per module, with `removeUndefinedValues`)
   * @param tableName Conveyor's one table (its layout: `keys.ts`)
   */
  constructor(client: DynamoDBDocumentClient, tableName: string) {
    this.table = { client, tableName };
  }

  /** Keeps the entry (replacing one parked before for the same transmission). */
  async park(transmissionId: string, destinationId: string, envelope: string): Promise<void> {
    const { client, tableName } = this.table;
    await client.send(
      new PutCommand({ TableName: tableName, Item: { ...parkedKey(transmissionId), destinationId, envelope: gzipSync(envelope) } }),
    );
  }

  async get(transmissionId: string): Promise<{ destinationId: string; envelope: string } | undefined> {
    const item = await getItem(this.table, parkedKey(transmissionId));
    if (!item) return undefined;
    return { destinationId: item.destinationId as string, envelope: gunzipSync(item.envelope as Uint8Array).toString('utf8') };
  }

  async remove(transmissionId: string): Promise<void> {
    const { client, tableName } = this.table;
    await client.send(new DeleteCommand({ TableName: tableName, Key: parkedKey(transmissionId) }));
  }
}
