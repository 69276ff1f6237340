/**
 * Upload records: one per upload, so a message can tell an upload it may use from an unknown,
 * another source's or expired one (404) and from one another message took (409).
 */
import { type DynamoDBDocumentClient, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { UPLOAD_RECORD_GRACE_SECONDS, type UploadRecord } from '../../domain/uploads';
import type { UploadRecords } from '../../ports/uploads';
import { uploadKey } from './keys';
import {
  conditionHeld,
  epochSecondsOf,
  getItem,
  itemDoesNotExist,
  itemExists,
  type Refusal,
  returnFoundItem,
  type Table,
} from './table';

/*
 * A record is created free, taken once by one message (`messageId`, a conditional write: two
 * messages naming it at once cannot both take it), given back if that message is not
 * acknowledged, and swept by TTL (`expiresAt`) `UPLOAD_RECORD_GRACE_SECONDS` after `usableUntil`:
 *
 *   create ── free ── claim ──► taken (messageId) ─────────────────────────────► TTL sweep
 *                      ▲            └ message not acknowledged: release ─┐
 *                      └──────────────────────────────────────────────────┘
 *
 * A refused write that finds its own earlier write (applied, its answer lost) counts as done:
 * a create finds its own `createdAt`, a claim its own `messageId`.
 */
const notTaken = 'attribute_not_exists(messageId)';
const takenBy = 'messageId = :messageId';

const foundHolds =
  (field: string, value: unknown) =>
  (refusals: readonly Refusal[]): boolean =>
    refusals[0]?.found?.[field] === value;

/** Upload records in Conveyor's one table (its layout: `keys.ts`). */
export class DynamoUploadRecords implements UploadRecords {
  private readonly table: Table;

  /**
   * @param client the document client (`wiring/clients.ts`: created once per module, with `removeUndefinedValues`)
   * @param tableName Conveyor's one table
   */
  constructor(client: DynamoDBDocumentClient, tableName: string) {
    this.table = { client, tableName };
  }

  /** @throws Error when a record with this id exists already (ids are new: a bug); the SDK's error otherwise */
  async create(upload: UploadRecord): Promise<void> {
    const { client, tableName } = this.table;
    const created = await conditionHeld(
      client.send(
        new PutCommand({
          TableName: tableName,
          Item: {
            ...uploadKey(upload.uploadId),
            ...upload,
            expiresAt: epochSecondsOf(upload.usableUntil) + UPLOAD_RECORD_GRACE_SECONDS,
          },
          ConditionExpression: itemDoesNotExist,
          ...returnFoundItem,
        }),
      ),
      foundHolds('createdAt', upload.createdAt),
    );
    if (!created) throw new Error(`Upload ${upload.uploadId} is recorded already`);
  }

  async get(uploadId: string): Promise<UploadRecord | undefined> {
    const item = await getItem(this.table, uploadKey(uploadId));
    if (!item) return undefined;
    const { pk: _pk, sk: _sk, expiresAt: _ttl, ...record } = item;
    return record as unknown as UploadRecord;
  }

  async claim(uploadId: string, messageId: string): Promise<boolean> {
    const { client, tableName } = this.table;
    return conditionHeld(
      client.send(
        new UpdateCommand({
          TableName: tableName,
          Key: uploadKey(uploadId),
          UpdateExpression: 'SET messageId = :messageId',
          ConditionExpression: `${itemExists} AND ${notTaken}`,
          ExpressionAttributeValues: { ':messageId': messageId },
          ...returnFoundItem,
        }),
      ),
      foundHolds('messageId', messageId),
    );
  }

  /** A release that finds the upload free, or another message's, changes nothing: safe to repeat. */
  async release(uploadId: string, messageId: string): Promise<void> {
    const { client, tableName } = this.table;
    await conditionHeld(
      client.send(
        new UpdateCommand({
          TableName: tableName,
          Key: uploadKey(uploadId),
          UpdateExpression: 'REMOVE messageId',
          ConditionExpression: takenBy,
          ExpressionAttributeValues: { ':messageId': messageId },
        }),
      ),
    );
  }
}
