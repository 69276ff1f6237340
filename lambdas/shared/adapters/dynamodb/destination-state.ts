/**
 * A destination's pause episode as stored: its `status` and `pause` on the destination's item, the
 * PAUSED set the prober works through, and the lease on its head (`headHolder`, `headHeldUntil`).
 */
import { type DynamoDBDocumentClient, UpdateCommand, type UpdateCommandInput } from '@aws-sdk/lib-dynamodb';
import type { Destination, DestinationStatus, OutboxEmail, Pause } from '../../domain/model';
import type { DestinationState, PauseChange } from '../../ports/destination-state';
import type { Clock } from '../../ports/observe';
import { toDestination } from './directory';
import { destinationKey, PAUSED_PARTITION, pausedKey } from './keys';
import { mappingWorkPut } from './mapping-worklist';
import { transmissionPausedUpdate } from './transmissions';
import { isThisEmail, outboxEmailPut } from './outbox';
import { conditionHeld, getItem, itemExists, queryAll, type Table, type TransactItems, transactWrite } from './table';

/*
 * The head lease, in epoch ms. A holder takes the head when nobody ever held it, when the last
 * lease ran out, or when it holds it already (a retry of its own take):
 *
 *   ──── held by A ────┤ headHeldUntil
 *   B: refused         │ B: taken (A's lease expired)
 *   A: taken again     │
 */
const headNeverHeld = 'attribute_not_exists(headHeldUntil)';
const headLeaseExpired = 'headHeldUntil < :now';
const headHeldBySameHolder = 'headHolder = :holder';

/*
 * A status change is recognised as its own by its alert: each change puts an alert with a unique
 * id in the same transaction, so a retry whose first attempt was applied (answer lost) finds the
 * status changed already and its own alert in the outbox. The other writes are safe to repeat:
 * the PAUSED item is put or deleted unconditionally; the head's update sets the same value.
 */
const ALERT_ITEM = 1;

/**
 * The destination's pause episode, and the lease that lets one worker at a time move its head.
 * Refusals by a condition are answered (false, or nothing); any other DynamoDB failure is thrown
 * as the SDK raised it. Transactions cancelled by a conflict are sent again (`transactWrite`).
 */
export class DynamoDestinationState implements DestinationState {
  private readonly table: Table;

  /**
   * @param client the document client (`adapters/clients.ts`: created once per module, with `removeUndefinedValues`)
   * @param tableName Conveyor's one table (its layout: `keys.ts`)
   * @param clock the time a head lease is measured against (`headHeldUntil` is in epoch ms)
   */
  constructor(
    client: DynamoDBDocumentClient,
    tableName: string,
    private readonly clock: Clock,
  ) {
    this.table = { client, tableName };
  }

  /**
   * One transaction: the destination goes from active to paused with its `pause`, its alert goes
   * in the outbox, it joins the PAUSED set, its head transmission is marked paused and it goes on
   * the mapping worklist (to be disabled, for this episode). True when
   * recorded, by this call or by its own earlier attempt (its alert is in the outbox); false
   * (nothing written) when it was not active.
   * @throws TransactionCanceledException when the head transmission does not exist or is no longer
   *   waiting (delivered or skipped), or conflicts persisted; the SDK's error for any other failure
   */
  async recordPause(destinationId: string, pause: Pause, alert: OutboxEmail): Promise<boolean> {
    const { tableName } = this.table;
    return this.changeStatus(destinationId, { from: 'active', to: 'paused', pause }, alert, [
      { Put: { TableName: tableName, Item: pausedKey(destinationId) } },
      { Update: transmissionPausedUpdate(tableName, pause.headMessageId, pause.headTransmissionId) },
      // The reconciler disables its mapping (mapping-worklist.ts).
      mappingWorkPut(tableName, destinationId, { desired: 'disabled', episode: pause.pausedAt }, this.clock()),
    ]);
  }

  /**
   * Sets the given fields of `pause`; nothing when the destination is no longer paused. Safe to
   * repeat: a retry of an applied change sets the same values under the same condition.
   */
  async recordPauseChange(destinationId: string, change: PauseChange): Promise<void> {
    const entries = Object.entries(change).filter(([, value]) => value !== undefined);
    if (entries.length === 0) return;
    // A condition failure means it resumed meanwhile: nothing to update.
    await this.updateDestinationIf(destinationId, {
      UpdateExpression: `SET ${entries.map(([name]) => `#pause.#${name} = :${name}`).join(', ')}`,
      ConditionExpression: '#status = :paused',
      ExpressionAttributeNames: {
        '#status': 'status',
        '#pause': 'pause',
        ...Object.fromEntries(entries.map(([name]) => [`#${name}`, name])),
      },
      ExpressionAttributeValues: {
        ':paused': 'paused',
        ...Object.fromEntries(entries.map(([name, value]) => [`:${name}`, value])),
      },
    });
  }

  /**
   * One transaction: the destination goes from paused to active (its `pause` removed), its
   * recovery alert goes in the outbox, it leaves the PAUSED set and it goes on the mapping worklist
   * (to be enabled). True when recorded, by this
   * call or by its own earlier attempt (its alert is in the outbox); false (nothing written) when
   * it was not paused.
   * @throws TransactionCanceledException when conflicts persisted; the SDK's error for any other failure
   */
  async recordResume(destinationId: string, alert: OutboxEmail): Promise<boolean> {
    const { tableName } = this.table;
    return this.changeStatus(destinationId, { from: 'paused', to: 'active' }, alert, [
      { Delete: { TableName: tableName, Key: pausedKey(destinationId) } },
      // The reconciler enables its mapping (mapping-worklist.ts).
      mappingWorkPut(tableName, destinationId, { desired: 'enabled' }, this.clock()),
    ]);
  }

  /**
   * Takes the head for `leaseMs` (ms, from the clock's now); false while another holder's lease
   * runs. Safe to repeat: the holder's own lease satisfies the condition (`headHeldBySameHolder`).
   */
  async holdHead(destinationId: string, holder: string, leaseMs: number): Promise<boolean> {
    const now = this.clock().getTime();
    return this.updateDestinationIf(destinationId, {
      UpdateExpression: 'SET headHolder = :holder, headHeldUntil = :until',
      ConditionExpression: `${itemExists} AND (${headNeverHeld} OR ${headLeaseExpired} OR ${headHeldBySameHolder})`,
      ExpressionAttributeValues: { ':holder': holder, ':until': now + leaseMs, ':now': now },
    });
  }

  /** Gives the head back; nothing when `holder` no longer holds it (so a repeated release is harmless). */
  async releaseHead(destinationId: string, holder: string): Promise<void> {
    await this.updateDestinationIf(destinationId, {
      UpdateExpression: 'REMOVE headHolder, headHeldUntil',
      ConditionExpression: headHeldBySameHolder,
      ExpressionAttributeValues: { ':holder': holder },
    });
  }

  /** The destinations in the PAUSED set that are still paused (a resume may have raced the listing). */
  async listPausedDestinations(): Promise<Destination[]> {
    const ids = (await queryAll(this.table, PAUSED_PARTITION)).map((item) => item.sk as string);
    const items = await Promise.all(ids.map((id) => getItem(this.table, destinationKey(id))));
    const destinations = items.map((item) => item && toDestination(item));
    return destinations.filter((destination): destination is Destination => destination?.status === 'paused');
  }

  /** A conditional update of a destination's item: true when applied, false when its condition did not hold. */
  private updateDestinationIf(
    destinationId: string,
    update: Omit<UpdateCommandInput, 'TableName' | 'Key'>,
  ): Promise<boolean> {
    const { client, tableName } = this.table;
    return conditionHeld(
      client.send(new UpdateCommand({ TableName: tableName, Key: destinationKey(destinationId), ...update })),
    );
  }

  /**
   * Moves a destination from one status to another (setting or clearing its pause) together with
   * its alert and the writes that belong to the change, all or nothing. False when it was not in
   * `from`, unless its own alert is there (its earlier attempt was applied).
   */
  private async changeStatus(
    destinationId: string,
    change: { from: DestinationStatus; to: DestinationStatus; pause?: Pause },
    alert: OutboxEmail,
    alongside: TransactItems,
  ): Promise<boolean> {
    const { tableName } = this.table;
    const items: TransactItems = [
      {
        // First: conditionHeld reads a refusal of this item as "not in `from`".
        Update: {
          TableName: tableName,
          Key: destinationKey(destinationId),
          UpdateExpression: change.pause ? 'SET #status = :to, #pause = :pause' : 'SET #status = :to REMOVE #pause',
          ConditionExpression: '#status = :from',
          ExpressionAttributeNames: { '#status': 'status', '#pause': 'pause' },
          ExpressionAttributeValues: {
            ':from': change.from,
            ':to': change.to,
            ...(change.pause ? { ':pause': change.pause } : {}),
          },
        },
      },
      outboxEmailPut(tableName, alert), // at ALERT_ITEM
      ...alongside,
    ];
    return conditionHeld(transactWrite(this.table, items), (refusals) =>
      isThisEmail(refusals[ALERT_ITEM]?.found, alert),
    );
  }
}
