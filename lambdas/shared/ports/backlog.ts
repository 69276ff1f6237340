/** The backlog ports: the deployment's destination queues, listed, and where delivery stands in each. */
import type { ReservedTransmission } from '../domain/ids';
import type { Destination } from '../domain/model';

/** A destination queue found by listing the deployment's queues. */
export interface ListedQueue {
  readonly destinationId: string;
  readonly queueUrl: string;
}

/** Every destination queue of the deployment, found without an index of its own (by the queues' name prefix). */
export interface QueueListing {
  listDestinationQueues(): Promise<ListedQueue[]>;
}

/** A destination, and where delivery stands in its queue as the delivery path last recorded it. */
export interface DeliveryHead {
  readonly destination: Destination;
  /**
   * When the entry delivery last took was enqueued (ISO 8601, its SQS SentTimestamp): no entry
   * still in the queue was sent before it. Absent until a delivery recorded it.
   */
  readonly headSentAt?: string;
  /** The transmission delivery last took: the queue's head for as long as it is not delivered. */
  readonly heldBy?: ReservedTransmission;
}

/** Where delivery stands in destinations' queues, read without touching the queues. */
export interface DeliveryHeads {
  /** The destinations with these ids (absent when not found), each with where delivery stands. */
  deliveryHeads(destinationIds: readonly string[]): Promise<Map<string, DeliveryHead>>;
}
