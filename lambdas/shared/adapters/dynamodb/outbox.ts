/** The outbox: alert emails written with the state change that causes them, sent afterwards. */
import { type DynamoDBDocumentClient, DeleteCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { OutboxEmail } from '../../domain/model';
import type { Outbox } from '../../ports/alerts';
import type { Clock } from '../../ports/observe';
import { OUTBOX_PARTITION, outboxKey } from './keys';
import { conditionHeld, itemExists, strip, type Table } from './table';

/** How many emails one `list` returns, oldest first. */
const LIST_LIMIT = 100;

// A claim is a lease (`claimedUntil`, epoch ms): free when never taken, or when its holder let it run out.
const notClaimed = 'attribute_not_exists(claimedUntil)';
const claimExpired = 'claimedUntil < :now';

/**
 * The write that puts an alert in the outbox, for the transaction of the state change that causes
 * it (`DynamoDestinationState.recordPause`, `recordResume`).
 */
export const outboxEmailPut = (tableName: string, email: OutboxEmail) => ({
  Put: { TableName: tableName, Item: { ...outboxKey(email), ...email } },
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
      const { claimedUntil: _claimedUntil, ...email } = strip<OutboxEmail & { claimedUntil?: number }>(item)!;
      return email;
    });
  }

  async claim(email: OutboxEmail, leaseMs: number): Promise<boolean> {
    const { client, tableName } = this.table;
    const now = this.clock().getTime();
    return conditionHeld(
      client.send(
        new UpdateCommand({
          TableName: tableName,
          Key: outboxKey(email),
          UpdateExpression: 'SET claimedUntil = :until',
          // Removed meanwhile (sent by another sender) counts as taken.
          ConditionExpression: `${itemExists} AND (${notClaimed} OR ${claimExpired})`,
          ExpressionAttributeValues: { ':until': now + leaseMs, ':now': now },
        }),
      ),
    );
  }

  async remove(email: OutboxEmail): Promise<void> {
    const { client, tableName } = this.table;
    await client.send(new DeleteCommand({ TableName: tableName, Key: outboxKey(email) }));
  }
}
