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
  readonly queueUrl?: string;
  readonly queueArn?: string;
  readonly mappingId?: string;
}

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
