/**
 * The destination-state ports: a destination's pause episode as stored, the lease on its head, and
 * the worklist of destinations whose event-source mapping may not match their state.
 */
import type { Destination, OutboxEmail, Pause } from '../domain/model';

/**
 * Records of a destination's pause episode. The verbs say what is stored; the use cases of the
 * same episode (`pauseDestination`, `resumeDestination`) live in `pauses/`.
 */
export interface DestinationState {
  /**
   * Records an active destination as paused and, in the same write, marks its head paused, puts
   * the alert in the outbox and puts the destination on the mapping worklist (its mapping is to be
   * disabled). Returns false when it was already paused (the episode has its alert).
   */
  recordPause(destinationId: string, pause: Pause, alert: OutboxEmail): Promise<boolean>;
  /** Records the outcome of a probe of a paused destination (next rung of the ladder, a new head, ...). */
  recordPauseChange(destinationId: string, change: PauseChange): Promise<void>;
  /**
   * Records the end of a pause episode, puts the recovery alert in the outbox and puts the
   * destination on the mapping worklist (its mapping is to be enabled), in one write; false when
   * it was not paused.
   */
  recordResume(destinationId: string, alert: OutboxEmail): Promise<boolean>;
  /**
   * Takes the head of a paused destination for `leaseMs` (probing, moving aging entries to the
   * spill, skipping): false while someone else holds it. Only one worker at a time moves a
   * destination's head, so nothing behind it overtakes it.
   */
  holdHead(destinationId: string, holder: string, leaseMs: number): Promise<boolean>;
  releaseHead(destinationId: string, holder: string): Promise<void>;
  /** The prober's worklist: every paused destination. */
  listPausedDestinations(): Promise<Destination[]>;
}

export type PauseChange = Partial<
  Pick<
    Pause,
    | 'probeStep'
    | 'nextRetryAt'
    | 'reason'
    | 'mappingDisabled'
    | 'headTransmissionId'
    | 'headMessageId'
    | 'queueHeadSentAt'
  >
>;

/** What a destination needs of its mapping: enabled while it is active, disabled while it is paused. */
export type DesiredMapping = 'enabled' | 'disabled';

/** Why a destination is on the mapping worklist. */
export type MappingWorkReason =
  /** Its status changed (a pause or a resume recorded it, with the desired state). */
  | 'status'
  /** The delivery function was handed a batch for it while it was paused: its mapping still runs. */
  | 'evidence'
  /** The reconciler's audit found its mapping in another state than its status asks for. */
  | 'audit';

/**
 * A destination whose mapping the reconciler is to look at. The desired state is the one its
 * status asks for; the item says which when a status change wrote it.
 */
export interface MappingWork {
  readonly destinationId: string;
  readonly reason: MappingWorkReason;
  /** What the status change that wrote the item asked for. */
  readonly desired?: DesiredMapping;
  /** The pause episode (its `pausedAt`) a pause wrote the item for. */
  readonly episode?: string;
  /** Since when the destination has been on the worklist (ISO 8601): a long stay is drift. */
  readonly since: string;
  /** Unique to each write of the item, so that removing it never removes a newer one. */
  readonly version: string;
}

/**
 * The destinations whose mapping may not match their state: written with every pause and resume
 * (`DestinationState`), when the delivery function sees a paused destination's mapping still
 * running, and by the reconciler's audit; read and cleared only by the reconciler.
 */
export interface MappingWorklist {
  /** Every item, by destination id. */
  list(): Promise<MappingWork[]>;
  /** Puts a destination on the worklist; nothing when it is on it already (its item keeps its `since`). */
  add(destinationId: string, reason: Exclude<MappingWorkReason, 'status'>): Promise<void>;
  /** The destinations with these ids that exist, as stored now (strongly consistent, in batches). */
  destinations(destinationIds: readonly string[]): Promise<Destination[]>;
  /**
   * Records on the pause of episode `episode` that its mapping is disabled; false (nothing
   * written) when the destination is no longer paused in that episode.
   */
  recordMappingDisabled(destinationId: string, episode: string): Promise<boolean>;
  /** Removes the item if it is still the one read (same `version`); false when it was rewritten or is gone. */
  remove(work: MappingWork): Promise<boolean>;
}
