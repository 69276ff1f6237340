/** The queue ports: one SQS FIFO queue per destination, and the event-source mapping that feeds it to delivery. */

export interface QueueEntry {
  readonly groupId: string;
  readonly deduplicationId: string;
  readonly body: string;
}

/** One SQS FIFO queue per destination. */
export interface DestinationQueues {
  provision(destinationId: string): Promise<{ queueUrl: string; queueArn: string }>;
  /** Deletes a queue and whatever it holds (undoing a provisioning that failed); a queue already gone counts as removed. */
  remove(queueUrl: string): Promise<void>;
  /** Resolves only once the queue has durably accepted the entry. */
  send(queueUrl: string, entry: QueueEntry): Promise<void>;
  /** Entries the queue holds (approximately): visible, in flight and delayed; 0 only when all three are. */
  depth(queueUrl: string): Promise<number>;
  /**
   * Takes the head of a queue whose mapping is disabled, hiding it for `visibilitySeconds`; waits
   * (long polls) at least a second, so `undefined` means no entry was visible in that time.
   */
  receiveHead(queueUrl: string, visibilitySeconds: number): Promise<QueuedEntry | undefined>;
  /** Takes up to `max` (≤ 10) entries from the head of such a queue, in queue order, waiting as `receiveHead` does. */
  receiveHeads(queueUrl: string, max: number, visibilitySeconds: number): Promise<QueuedEntry[]>;
  delete(queueUrl: string, receiptHandle: string): Promise<void>;
  /** Makes received entries visible again after `visibilitySeconds`. */
  release(queueUrl: string, receiptHandles: readonly string[], visibilitySeconds: number): Promise<void>;
}

export interface QueuedEntry {
  readonly receiptHandle: string;
  readonly body: string;
  /** When the entry was enqueued; SQS drops it once the queue's retention has passed since. */
  readonly sentAt: string;
  /** Its SQS sequence number, increasing in queue order. */
  readonly position: string;
}

/**
 * A mapping's state as Lambda reports it (`State` of GetEventSourceMapping and
 * ListEventSourceMappings). Only `Enabled` and `Disabled` are settled: in the others Lambda refuses
 * updates, and a mapping that is `Disabling` still polls its queue.
 */
export type MappingState = 'Creating' | 'Enabling' | 'Enabled' | 'Disabling' | 'Disabled' | 'Updating' | 'Deleting';

/** One event-source mapping as read from Lambda's control plane. */
export interface MappingStatus {
  readonly mappingId: string;
  /** The destination queue it polls. */
  readonly queueArn: string;
  readonly state: MappingState;
}

/**
 * Why the control plane did not take a mapping call now: `throttled` (TooManyRequestsException,
 * or this adapter's own token bucket was empty and no call was made), `in_use`
 * (ResourceInUseException: the mapping is changing state) or `conflict`
 * (ResourceConflictException: another operation is in progress).
 */
export type ControlPlaneRefusal = 'throttled' | 'in_use' | 'conflict';

/**
 * The control plane refused a mapping call for now. Nothing changed; the same call can succeed on
 * a later pass. Callers that come back anyway (the reconciler) try again then, never in a loop.
 */
export class ControlPlaneBusyError extends Error {
  constructor(
    readonly refusal: ControlPlaneRefusal,
    detail: string,
    /**
     * Set when no call was made because this function's own bucket was empty: in how many ms it
     * has a token again. Lambda's own refusals carry none (how long they last is not known).
     */
    readonly retryAfterMs?: number,
  ) {
    super(`Lambda's control plane refused a mapping call for now (${refusal}): ${detail}`);
    this.name = 'ControlPlaneBusyError';
  }
}

/**
 * The event-source mappings that feed destination queues to the delivery function, through
 * Lambda's control plane. That plane allows 15 calls per second per Region and account, shared
 * with every other caller and with deploys (Lambda quotas, "Control plane API requests"); a mapping
 * refuses updates while it is changing state and takes seconds to change it, polling meanwhile;
 * the last accepted update wins. So one owner, the reconciler (`mappings/`), enables and disables
 * them, and every call goes through one token bucket per function, well under the quota.
 */
export interface EventSourceMappings {
  /**
   * Creates the mapping of a destination queue (enabled, batches of up to 10, with
   * `ScalingConfig.MaximumConcurrency`) and returns its UUID; a repeated call finds the mapping
   * its earlier attempt created. Waits its turn in the bucket and rides out throttling for a few
   * seconds, so a registration answers within API Gateway's 30 s.
   */
  create(queueArn: string): Promise<string>;
  /**
   * The mapping as the control plane has it now (GetEventSourceMapping); undefined when it does
   * not exist. One call, made only when the bucket has a token (`ControlPlaneBusyError` otherwise).
   */
  describe(mappingId: string): Promise<MappingStatus | undefined>;
  /**
   * Every mapping of the delivery function (ListEventSourceMappings, 100 a page, each page one call
   * that waits its turn in the bucket).
   */
  list(): Promise<MappingStatus[]>;
  /**
   * Asks for the mapping to be enabled or disabled (one UpdateEventSourceMapping, no retry). It
   * takes effect seconds later (`Enabling`, `Disabling`). Throws `ControlPlaneBusyError` when the
   * bucket is empty or the control plane refused it for now.
   */
  setEnabled(mappingId: string, enabled: boolean): Promise<void>;
  /** Deletes the mapping; done when it is already gone. */
  remove(mappingId: string): Promise<void>;
}
