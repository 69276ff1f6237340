/**
 * The destination-state ports: a destination's pause episode as stored, the lease on its head, and
 * the worklist of destinations whose event-source mapping may not match their state.
 */
import type { Destination, OutboxEmail, OutboxEmailKey, Pause, PauseEpisode } from '../domain/model';

/**
 * What a pause records of its episode besides the pause itself (decided by `alertingAtPause`,
 * `domain/pause-episodes.ts`).
 */
export interface PauseEpisodeWrite {
  /** The version of the episode as read (the write's condition); undefined when the destination had none. */
  readonly readVersion: string | undefined;
  /** The episode as the pause leaves it (a new `version`). */
  readonly episode: PauseEpisode;
  /** The Paused or Unstable email that starts the episode; none when the pause continues one or starts it unannounced. */
  readonly alert?: OutboxEmail;
  /** The Resumed email that a pause within the settling time withdraws from the outbox (unless it is being sent). */
  readonly withdraw?: OutboxEmailKey;
}

/** What a resume records of its episode (decided by `alertingAtResume`). */
export interface ResumeEpisodeWrite {
  /** The episode as the resume leaves it (a new `version`, `resumedAt`, and `pendingResumed` with an alert). */
  readonly episode: PauseEpisode;
  /** The Resumed email, due at its `notBefore` (the end of the settling time). */
  readonly alert?: OutboxEmail;
}

/** How recording a pause ended. */
export type PauseRecording =
  /** Recorded, by this call or by its own earlier attempt whose answer was lost. */
  | 'recorded'
  /** The destination was not active (another pause, a deletion): nothing written. */
  | 'not_active'
  /** Its episode changed since it was read (a pause and a resume in between): nothing written; read it again. */
  | 'episode_changed'
  /** The Resumed email to withdraw is being sent (its settling time is over): nothing written; the episode settled. */
  | 'resumed_alert_sending';

/**
 * Records of a destination's pause episode. The verbs say what is stored; the use cases of the
 * same episode (`pauseDestination`, `resumeDestination`) live in `pauses/`.
 */
export interface DestinationState {
  /**
   * Records an active destination as paused and, in the same write, its episode, marks its head
   * paused, puts the episode's alert in the outbox (if any), withdraws the Resumed email it names
   * (if any) and puts the destination on the mapping worklist (its mapping is to be disabled).
   * Written only over the episode as read (`readVersion`); see `PauseRecording` for the outcomes.
   */
  recordPause(destinationId: string, pause: Pause, write: PauseEpisodeWrite): Promise<PauseRecording>;
  /** Records the outcome of a probe of a paused destination (next rung of the ladder, a new head, ...). */
  recordPauseChange(destinationId: string, change: PauseChange): Promise<void>;
  /**
   * Records a paused destination as active with its episode, puts its Resumed email (due after the
   * settling time) in the outbox if any, and puts the destination on the mapping worklist (its
   * mapping is to be enabled), in one write; false when it was not paused.
   */
  recordResume(destinationId: string, write: ResumeEpisodeWrite): Promise<boolean>;
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
