/** What the pause episode's use cases take: their dependencies (ports) and their settings. */
import type { AlertSettings } from '../domain/pause-episodes';
import type { Mailer, Outbox } from '../ports/alerts';
import type { DestinationState, MappingWorklist } from '../ports/destination-state';
import type { DestinationQueues } from '../ports/queues';
import type { Spill } from '../ports/spill';
import type { DeliveryDependencies, DeliverySettings } from '../transmissions/deliver-transmission';

/**
 * The ports a pause episode reads and writes, beyond those of one delivery. No event-source
 * mappings: a pause or a resume records the state the mapping is to be in, and only the
 * reconciler (`mappings/`, run by the prober) calls Lambda's control plane.
 */
export interface PauseDependencies extends DeliveryDependencies {
  readonly destinationState: DestinationState;
  readonly queues: DestinationQueues;
  /** Where the delivery function reports a paused destination whose mapping still runs. */
  readonly worklist: MappingWorklist;
  readonly outbox: Outbox;
  readonly mailer: Mailer;
  readonly spill: Spill;
}

/** The deployment's choices for pause episodes, beyond those of one delivery. */
export interface PauseSettings extends DeliverySettings {
  /** Seconds between probes of a paused head; the last rung repeats. */
  readonly probeLadderSeconds: readonly number[];
  /** How long (s) a paused head stays hidden once handed back, so a mapping still winding down doesn't spin on it. */
  readonly pauseReleaseSeconds: number;
  /**
   * Age (s) at which a paused destination's queue entries move to the spill: well inside the
   * queue's retention (SQS keeps a message at most 14 days), so a prober outage of a day still
   * loses nothing.
   */
  readonly spillAfterSeconds: number;
  /** When a resume is announced, and when a destination is unstable (`domain/pause-episodes.ts`). */
  readonly alerting: AlertSettings;
}

/** Everything delivery, probing and the operator controls take. */
export interface PausePorts extends PauseDependencies, PauseSettings {}
