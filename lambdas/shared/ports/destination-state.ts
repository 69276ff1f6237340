/** The destination-state port: a destination's pause episode as stored, and the lease on its head. */
import type { Destination, OutboxEmail, Pause } from '../domain/model';

/**
 * Records of a destination's pause episode. The verbs say what is stored; the use cases of the
 * same episode (`pauseDestination`, `resumeDestination`) live in `pauses/`.
 */
export interface DestinationState {
  /**
   * Records an active destination as paused and, in the same write, marks its head paused and puts
   * the alert in the outbox. Returns false when it was already paused (the episode has its alert).
   */
  recordPause(destinationId: string, pause: Pause, alert: OutboxEmail): Promise<boolean>;
  /** Records the outcome of a probe of a paused destination (next rung of the ladder, a new head, ...). */
  recordPauseChange(destinationId: string, change: PauseChange): Promise<void>;
  /** Records the end of a pause episode and puts the recovery alert in the outbox; false when it was not paused. */
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
  Pick<Pause, 'probeStep' | 'nextRetryAt' | 'reason' | 'mappingDisabled' | 'headTransmissionId' | 'headMessageId' | 'queueHeadSentAt'>
>;
