/** The objects Conveyor keeps, as the use cases see them. */

export interface Organization {
  readonly id: string;
  readonly name: string;
  readonly alertEmail: string;
  readonly createdAt: string;
}

export interface Source {
  readonly id: string;
  readonly organizationId: string;
  readonly name: string;
  readonly createdAt: string;
}

export type DestinationStatus = 'provisioning' | 'active' | 'paused';

export interface Destination {
  readonly id: string;
  readonly organizationId: string;
  readonly name: string;
  readonly url: string;
  readonly timeoutMs: number;
  readonly signingSecret: string;
  readonly status: DestinationStatus;
  readonly createdAt: string;
  /** Attempts after the first, inside one invocation, for a transient failure. */
  readonly inlineRetries: number;
  readonly queueUrl?: string;
  readonly queueArn?: string;
  readonly mappingId?: string;
  /** Present while the destination is paused. */
  readonly pause?: Pause;
  /** Entries moved from the queue to the spill (kept ahead of the queue) during a long pause. */
  readonly spilled?: number;
}

/** Why and since when a destination is paused, and when its head is tried next. */
export interface Pause {
  readonly pausedAt: string;
  readonly reason: string;
  /** Whose fault the failure is: the sender's data (4xx) or the destination's endpoint. */
  readonly fault: Fault;
  /** The organization that was alerted, and is told when the destination resumes. */
  readonly alertedOrganizationId: string;
  readonly headTransmissionId: string;
  readonly headMessageId: string;
  readonly probeStep: number;
  readonly nextRetryAt: string;
  /** Set once the event-source mapping is known to be disabled. */
  readonly mappingDisabled?: boolean;
  /**
   * No entry still in the queue was sent before this (learnt when a head is read, or the queue
   * is found empty): the prober moves entries to the spill only once this gets old.
   */
  readonly queueHeadSentAt?: string;
}

export type Fault = 'sender' | 'destination';

export interface Subscription {
  readonly id: string;
  readonly sourceId: string;
  readonly destinationId: string;
  readonly dataModel: string;
  readonly eventType?: string;
  readonly createdAt: string;
}

export type TransmissionStatus = 'queued' | 'delivered' | 'paused' | 'skipped';

export interface Transmission {
  readonly id: string;
  readonly destinationId: string;
  readonly status: TransmissionStatus;
  readonly attempts: number;
  readonly sequence?: number;
  readonly arrivedAt?: string;
  readonly lastError?: string;
  /** How many times the transmission was replayed; each replay is a new queue entry. */
  readonly generation?: number;
}

export interface Message {
  readonly id: string;
  readonly sourceId: string;
  readonly organizationId: string;
  readonly receivedAt: string;
  readonly dataModel: string;
  readonly eventType: string;
  readonly transmissions: readonly Transmission[];
}

/** What the integrator is answered for an accepted message (and again for a repeated key). */
export interface AcceptedMessage {
  readonly messageId: string;
  readonly receivedAt: string;
  readonly transmissions: ReadonlyArray<{ id: string; destinationId: string; status: 'queued' }>;
}

/** One delivered transmission in a destination's arrival log. */
export interface Arrival {
  readonly transmissionId: string;
  readonly messageId: string;
  readonly sequence: number;
  readonly arrivedAt: string;
  readonly attempts: number;
}

/** An email waiting in the outbox (alerts are written with the state change, then sent). */
export interface OutboxEmail {
  readonly id: string;
  readonly to: string;
  readonly subject: string;
  readonly body: string;
  readonly destinationId: string;
  readonly createdAt: string;
}
