/** The prober lease port: one prober run at a time, whatever the schedule and Lambda's scaling do. */

/**
 * A lease on "the prober run": whoever holds it is the only run probing, spilling and sending
 * alerts until it gives it back or the lease runs out (a run that died leaves it to the next one).
 */
export interface ProberLease {
  /**
   * Takes the lease as `holder` (unique per run) for `leaseMs` from now. True when this call holds
   * it, also when its own earlier attempt was applied and its answer lost; false while another
   * holder's lease runs. Any other failure is thrown.
   */
  take(holder: string, leaseMs: number): Promise<boolean>;
  /** Gives the lease back; nothing when `holder` no longer holds it (so a repeated release is harmless). */
  release(holder: string): Promise<void>;
}
