/**
 * A destination's pause episode as stored: its `status`, `pause` and `episode` (what its alerts
 * count, `domain/pause-episodes.ts`) on the destination's item, the PAUSED set the prober works
 * through, and the lease on its head (`headHolder`, `headHeldUntil`).
 */
import { type DynamoDBDocumentClient, UpdateCommand, type UpdateCommandInput } from '@aws-sdk/lib-dynamodb';
import type { Destination, Pause, PauseEpisode } from '../../domain/model';
import type {
  DestinationState,
  PauseChange,
  PauseEpisodeWrite,
  PauseRecording,
  ResumeEpisodeWrite,
} from '../../ports/destination-state';
import type { Clock } from '../../ports/observe';
import { toDestination } from './directory';
import { destinationKey, PAUSED_PARTITION, pausedKey } from './keys';
import { mappingWorkPut } from './mapping-worklist';
import { withOwnItem } from './transmission-state';
import { transmissionPausedUpdate } from './transmissions';
import { outboxEmailPut, outboxEmailWithdraw } from './outbox';
import {
  conditionHeld,
  getItem,
  isRefusedByCondition,
  type Item,
  itemExists,
  queryAll,
  refusalsOf,
  returnFoundItem,
  type Table,
  type TransactItems,
  transactWrite,
} from './table';

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
 * A status change is recognised as its own by its episode: each pause and resume writes the
 * destination's episode with a new, unique `version`, so a retry whose first attempt was applied
 * (answer lost) finds the status changed already and its own version on the item. The other
 * writes are safe to repeat: the PAUSED item is put or deleted unconditionally; the head's update
 * sets the same value; an alert's put is refused only by itself.
 */
const isThisEpisode = (found: Item | undefined, episode: PauseEpisode): boolean =>
  (found?.episode as PauseEpisode | undefined)?.version === episode.version;

/** The destination item's condition on its episode: unchanged since it was read (or still none). */
const episodeAsRead = (readVersion: string | undefined) =>
  readVersion === undefined
    ? { condition: 'attribute_not_exists(#episode)', values: {} }
    : { condition: '#episode.#version = :readVersion', values: { ':readVersion': readVersion } };

/**
 * The destination's pause episode, and the lease that lets one worker at a time move its head.
 * Refusals by a condition are answered (false, an outcome, or nothing); any other DynamoDB failure
 * is thrown as the SDK raised it. Transactions cancelled by a conflict are sent again (`transactWrite`).
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
   * One transaction: the destination goes from active to paused with its `pause` and `episode`
   * (only over the episode as read), the episode's alert goes in the outbox and the Resumed email
   * it withdraws leaves it (when the write names them), it joins the PAUSED set, its head
   * transmission is marked paused and it goes on the mapping worklist (to be disabled, for this
   * pause). `recorded` also when its own earlier attempt was applied (its episode version is on
   * the item); otherwise nothing is written and the outcome says why (`PauseRecording`).
   * @throws TransactionCanceledException when the head transmission is no longer waiting (delivered
   *   or skipped) or does not exist (Error for one kept in an item of its own), or conflicts
   *   persisted; the SDK's error for any other failure
   */
  async recordPause(destinationId: string, pause: Pause, write: PauseEpisodeWrite): Promise<PauseRecording> {
    const { tableName } = this.table;
    const asRead = episodeAsRead(write.readVersion);
    const headUpdate = { Update: transmissionPausedUpdate(tableName, pause.headMessageId, pause.headTransmissionId) };
    const items: TransactItems = [
      {
        Update: {
          TableName: tableName,
          Key: destinationKey(destinationId),
          UpdateExpression: 'SET #status = :to, #pause = :pause, #episode = :episode',
          ConditionExpression: `#status = :from AND ${asRead.condition}`,
          ExpressionAttributeNames: {
            '#status': 'status',
            '#pause': 'pause',
            '#episode': 'episode',
            ...(write.readVersion === undefined ? {} : { '#version': 'version' }),
          },
          ExpressionAttributeValues: {
            ':from': 'active',
            ':to': 'paused',
            ':pause': pause,
            ':episode': write.episode,
            ...asRead.values,
          },
          ...returnFoundItem,
        },
      },
      ...(write.alert ? [outboxEmailPut(tableName, write.alert)] : []),
      { Put: { TableName: tableName, Item: pausedKey(destinationId) } },
      headUpdate,
      // The reconciler disables its mapping (mapping-worklist.ts).
      mappingWorkPut(tableName, destinationId, { desired: 'disabled', episode: pause.pausedAt }, this.clock()),
    ];
    const headAt = items.indexOf(headUpdate);
    // Last, so the indexes above stay put: its refusal is told apart from the destination's.
    const withdrawAt = write.withdraw ? items.push(outboxEmailWithdraw(tableName, write.withdraw)) - 1 : undefined;
    try {
      // A head whose state goes in an item of its own that is not there yet: copied, then once more.
      await withOwnItem(
        this.table,
        pause.headMessageId,
        pause.headTransmissionId,
        () => transactWrite(this.table, items),
        headAt,
      );
      return 'recorded';
    } catch (error) {
      const refusals = refusalsOf(error);
      if (!refusals) throw error;
      const [destination] = refusals;
      if (isThisEpisode(destination?.found, write.episode)) return 'recorded';
      if (isRefusedByCondition(destination))
        return destination?.found?.status === 'active' ? 'episode_changed' : 'not_active';
      if (withdrawAt !== undefined && isRefusedByCondition(refusals[withdrawAt])) return 'resumed_alert_sending';
      throw error;
    }
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
   * One transaction: the destination goes from paused to active (its `pause` removed) with its
   * `episode`, its Resumed email (due after the settling time) goes in the outbox when the write
   * has one, it leaves the PAUSED set and it goes on the mapping worklist (to be enabled). True
   * when recorded, by this call or by its own earlier attempt (its episode version is on the
   * item); false (nothing written) when it was not paused.
   * @throws TransactionCanceledException when conflicts persisted; the SDK's error for any other failure
   */
  async recordResume(destinationId: string, write: ResumeEpisodeWrite): Promise<boolean> {
    const { tableName } = this.table;
    const items: TransactItems = [
      {
        Update: {
          TableName: tableName,
          Key: destinationKey(destinationId),
          UpdateExpression: 'SET #status = :to, #episode = :episode REMOVE #pause',
          ConditionExpression: '#status = :from',
          ExpressionAttributeNames: { '#status': 'status', '#pause': 'pause', '#episode': 'episode' },
          ExpressionAttributeValues: { ':from': 'paused', ':to': 'active', ':episode': write.episode },
          ...returnFoundItem,
        },
      },
      ...(write.alert ? [outboxEmailPut(tableName, write.alert)] : []),
      { Delete: { TableName: tableName, Key: pausedKey(destinationId) } },
      // The reconciler enables its mapping (mapping-worklist.ts).
      mappingWorkPut(tableName, destinationId, { desired: 'enabled' }, this.clock()),
    ];
    return conditionHeld(transactWrite(this.table, items), ([destination]) =>
      isThisEpisode(destination?.found, write.episode),
    );
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
}
