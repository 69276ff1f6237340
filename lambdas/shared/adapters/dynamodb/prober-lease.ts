/** The prober's lease: one item, so that one prober run at a time works on the paused destinations. */
import { DeleteCommand, type DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { Clock } from '../../ports/observe';
import type { ProberLease } from '../../ports/prober-lease';
import { proberLeaseKey } from './keys';
import { conditionHeld, type Item, itemDoesNotExist, returnFoundItem, type Table } from './table';

// The lease (`heldUntil`, epoch ms) is free when never taken or given back, or when its holder let it run out.
const leaseRunOut = 'heldUntil < :now';
const leaseFree = `${itemDoesNotExist} OR ${leaseRunOut}`;
// Each take writes its own `holder`: a retry of an applied take finds it (another run's take has another).
const isHeldBy = (found: Item | undefined, holder: string) => found?.holder === holder;
const heldBySameHolder = 'holder = :holder';

/**
 * The prober lease in the table (`PROBER`/`LEASE`): `holder` and `heldUntil`. A take refused by its
 * condition answers false; any other DynamoDB failure is thrown.
 */
export class DynamoProberLease implements ProberLease {
  private readonly table: Table;

  /**
   * @param client the document client (`wiring/clients.ts`: created once per module)
   * @param tableName Conveyor's one table (its layout: `keys.ts`)
   * @param clock the time a lease is measured against (epoch ms; clocks of hosts differ by far less than the caller's margin)
   */
  constructor(
    client: DynamoDBDocumentClient,
    tableName: string,
    private readonly clock: Clock,
  ) {
    this.table = { client, tableName };
  }

  /**
   * Takes the lease for `leaseMs` when it is free or ran out:
   *
   *   take ──── heldUntil = now + leaseMs ────┤ released (deleted), or run out: free again
   *   another take before then: refused (false); a retry of this take finds its own holder (true)
   */
  async take(holder: string, leaseMs: number): Promise<boolean> {
    const { client, tableName } = this.table;
    const now = this.clock().getTime();
    return conditionHeld(
      client.send(
        new PutCommand({
          TableName: tableName,
          Item: { ...proberLeaseKey(), holder, heldUntil: now + leaseMs },
          ConditionExpression: leaseFree,
          ExpressionAttributeValues: { ':now': now },
          ...returnFoundItem,
        }),
      ),
      ([refusal]) => isHeldBy(refusal?.found, holder),
    );
  }

  /** Deletes the lease if `holder` still holds it; refused (another run took it since, or a repeat), nothing happens. */
  async release(holder: string): Promise<void> {
    const { client, tableName } = this.table;
    await conditionHeld(
      client.send(
        new DeleteCommand({
          TableName: tableName,
          Key: proberLeaseKey(),
          ConditionExpression: heldBySameHolder,
          ExpressionAttributeValues: { ':holder': holder },
        }),
      ),
    );
  }

  /**
   * Deletes the lease whoever holds it. Only for a runtime that knows no run is under way: the local
   * runtime when it starts (a run killed with the previous process would otherwise hold it for a
   * whole lease).
   */
  async clear(): Promise<void> {
    const { client, tableName } = this.table;
    await client.send(new DeleteCommand({ TableName: tableName, Key: proberLeaseKey() }));
  }
}
