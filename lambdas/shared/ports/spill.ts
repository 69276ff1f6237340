/** The spill port: queue entries kept beyond SQS's retention during a long pause. */

/**
 * Queue entries of a paused destination moved out of SQS before its retention (at most 14 days,
 * the SQS `MessageRetentionPeriod` quota) would drop them, kept in queue order ahead of whatever
 * is still in the queue. Each move also counts the entry in the destination's `spilled`.
 */
export interface Spill {
  /** Keeps an entry at its queue position; false when it was kept already (a repeated move). */
  keep(destinationId: string, entry: SpilledEntry): Promise<boolean>;
  /** The oldest kept entry, which is the destination's head while there is one. */
  first(destinationId: string): Promise<SpilledEntry | undefined>;
  remove(destinationId: string, position: string): Promise<void>;
}

export interface SpilledEntry {
  /** The entry's SQS sequence number: increasing in queue order. */
  readonly position: string;
  readonly sentAt: string;
  readonly body: string;
}
