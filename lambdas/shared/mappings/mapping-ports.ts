/** What the reconciler takes: the mappings it alone changes, the worklist, and how to observe. */
import type { DestinationState, MappingWorklist } from '../ports/destination-state';
import type { Clock, Log, Meter } from '../ports/observe';
import type { EventSourceMappings } from '../ports/queues';

export interface MappingPorts {
  readonly mappings: EventSourceMappings;
  readonly worklist: MappingWorklist;
  /** To record that a paused destination's mapping runs after all (`mappingDisabled: false`). */
  readonly destinationState: Pick<DestinationState, 'recordPauseChange'>;
  readonly clock: Clock;
  /** Waits `ms` milliseconds: a pass waits for its share of the control plane, within its turn. */
  readonly sleep: (ms: number) => Promise<void>;
  readonly log: Log;
  readonly meter: Meter;
}

/**
 * What the reconciler remembers between passes of one prober (for as long as its Lambda
 * environment lives): where the last pass stopped, and how many mappings there were at the last
 * listing. Losing it costs nothing but a random starting point and a describe per item.
 */
export class ReconcilerMemory {
  /** The destination the last pass looked at last; the next pass starts after it. */
  lastHandled?: string;
  /** How many mappings the delivery function had at the last listing (a listing costs a call per 100). */
  mappingCount?: number;

  /** @param random picks the first pass's starting point, so no destination is always first (or last) */
  constructor(readonly random: () => number = Math.random) {}
}
