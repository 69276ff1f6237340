/**
 * The failed attempts of each transmission (`MSG#<messageId>` / `ATT#<trnId>#<n>`), the attempt
 * log `GET /v1/admin/transmissions/{id}` shows with the delivering attempt its arrival records.
 *
 * Items may hold PHI (`responseExcerpt`, the first 1,024 bytes of the endpoint's answer): they are
 * stored only in Conveyor's table, which DynamoDB encrypts at rest with the deployment's
 * customer-managed KMS key (`lib/constructs/store.ts`, `TableEncryption.CUSTOMER_MANAGED`), and
 * swept by TTL the deployment's record retention after the attempt (`record-retention.ts`).
 */
import { type DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { RecordedAttempt } from '../../domain/model';
import { attemptKey, attemptsOfTransmission } from './keys';
import { epochSecondsOf, itemDoesNotExist, type Table } from './table';

/**
 * The put of a failed attempt's item, for the transaction that also counts it on the transmission
 * (`DynamoTransmissions.recordFailedAttempt`). Keyed by the attempt's number and refused when that
 * number is logged already, so recording the same attempt twice logs (and counts) it once. It does
 * not ask for the item found on refusal: the refusal would then carry the excerpt, and errors may
 * be logged. Its TTL (`expiresAt`) is `keptSeconds` after the attempt.
 */
export const attemptPut = (
  tableName: string,
  messageId: string,
  transmissionId: string,
  attempt: RecordedAttempt,
  keptSeconds: number,
) => ({
  Put: {
    TableName: tableName,
    Item: {
      ...attemptKey(messageId, transmissionId, attempt.attempt),
      ...attempt,
      expiresAt: epochSecondsOf(attempt.at) + keptSeconds,
    },
    ConditionExpression: itemDoesNotExist,
  },
});

/** Reads the failed attempts of a transmission. */
export class DynamoAttemptLog {
  private readonly table: Table;

  /**
   * @param client the document client (`adapters/clients.ts`: created once per module, with `removeUndefinedValues`)
   * @param tableName Conveyor's one table (its layout: `keys.ts`)
   */
  constructor(client: DynamoDBDocumentClient, tableName: string) {
    this.table = { client, tableName };
  }

  /**
   * The last `limit` failed attempts of a transmission, oldest first: one strongly consistent
   * Query, newest first from the end of its sort keys, reversed.
   * @throws the SDK's error when DynamoDB fails
   */
  async list(messageId: string, transmissionId: string, limit: number): Promise<RecordedAttempt[]> {
    const { client, tableName } = this.table;
    const { pk, prefix } = attemptsOfTransmission(messageId, transmissionId);
    const result = await client.send(
      new QueryCommand({
        TableName: tableName,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
        ExpressionAttributeValues: { ':pk': pk, ':prefix': prefix },
        ScanIndexForward: false,
        Limit: limit,
        ConsistentRead: true,
      }),
    );
    return (result.Items ?? []).reverse().map(toAttempt);
  }
}

const toAttempt = (item: Record<string, unknown>): RecordedAttempt => {
  const { pk: _pk, sk: _sk, expiresAt: _expiresAt, ...attempt } = item;
  return attempt as unknown as RecordedAttempt;
};
