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

/** The event-source mapping that feeds a destination queue to the delivery function. */
export interface EventSourceMappings {
  create(queueArn: string): Promise<string>;
  setEnabled(mappingId: string, enabled: boolean): Promise<void>;
  remove(mappingId: string): Promise<void>;
}

