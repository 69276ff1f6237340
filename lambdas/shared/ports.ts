/**
 * The ports the use cases take as arguments. AWS adapters in `aws/` implement them over the v3 SDK;
 * the local runtime uses the same adapters against stand-ins, and replaces only the event-source
 * mappings, which have none.
 */
import type {
  AcceptedMessage,
  Arrival,
  Destination,
  Message,
  Organization,
  Source,
  Subscription,
} from './domain/model';

/** Organizations, sources, destinations and subscriptions. */
export interface Directory {
  putOrganization(organization: Organization): Promise<void>;
  getOrganization(id: string): Promise<Organization | undefined>;
  putSource(source: Source, apiKeyHash: string): Promise<void>;
  getSource(id: string): Promise<Source | undefined>;
  findSourceByApiKeyHash(apiKeyHash: string): Promise<Source | undefined>;
  putDestination(destination: Destination): Promise<void>;
  getDestination(id: string): Promise<Destination | undefined>;
  markDestinationProvisioned(
    id: string,
    provisioned: { queueUrl: string; queueArn: string; mappingId: string },
  ): Promise<Destination>;
  putSubscription(subscription: Subscription): Promise<void>;
  listSubscriptionsOfSource(sourceId: string): Promise<Subscription[]>;
}

export type IdempotencyClaim =
  | { readonly outcome: 'claimed' }
  | { readonly outcome: 'answered'; readonly requestHash: string; readonly answer: AcceptedMessage }
  | { readonly outcome: 'in_progress' };

export interface IdempotencyRequest {
  readonly sourceId: string;
  readonly key: string;
  readonly requestHash: string;
  readonly messageId: string;
  /** How long the claim holds off a concurrent retry with the same key. */
  readonly leaseMs: number;
}

/** Messages, their transmissions, idempotency records and each destination's delivery log. */
export interface MessageStore {
  claimIdempotencyKey(request: IdempotencyRequest): Promise<IdempotencyClaim>;
  releaseIdempotencyKey(request: IdempotencyRequest): Promise<void>;
  /**
   * Records an acknowledged message (and the answer for its idempotency key). Throws
   * `MessageAbandonedError` when delivery already gave the message up for lost.
   */
  commitMessage(message: Message, idempotency?: { request: IdempotencyRequest; answer: AcceptedMessage }): Promise<void>;
  /**
   * Marks a never-committed message as abandoned so its queued copies are dropped, not delivered.
   * Returns false when the message was committed after all.
   */
  abandonMessage(messageId: string): Promise<boolean>;
  getMessage(messageId: string): Promise<Message | 'abandoned' | undefined>;
  /** The sequence number of a transmission: the next one on its first attempt, the same on a retry. */
  reserveSequence(destinationId: string, transmissionId: string): Promise<number>;
  recordFailedAttempt(messageId: string, transmissionId: string, error: string): Promise<void>;
  recordArrival(arrival: Arrival & { destinationId: string }): Promise<void>;
  listArrivals(destinationId: string, limit: number, cursor?: string): Promise<{ items: Arrival[]; cursor?: string }>;
}

/** Thrown by `commitMessage` when the message was abandoned before it could be committed. */
export class MessageAbandonedError extends Error {
  constructor(messageId: string) {
    super(`Message ${messageId} was abandoned before it was committed`);
    this.name = 'MessageAbandonedError';
  }
}

export interface QueueEntry {
  readonly groupId: string;
  readonly deduplicationId: string;
  readonly body: string;
}

/** One SQS FIFO queue per destination. */
export interface DestinationQueues {
  provision(destinationId: string): Promise<{ queueUrl: string; queueArn: string }>;
  /** Resolves only once the queue has durably accepted the entry. */
  send(queueUrl: string, entry: QueueEntry): Promise<void>;
  depth(queueUrl: string): Promise<number>;
}

/** The event-source mapping that feeds a destination queue to the delivery function. */
export interface EventSourceMappings {
  create(queueArn: string): Promise<string>;
  setEnabled(mappingId: string, enabled: boolean): Promise<void>;
  remove(mappingId: string): Promise<void>;
}

export interface DeliveryRequest {
  readonly url: string;
  readonly body: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly timeoutMs: number;
}

export type DeliveryOutcome =
  | { readonly kind: 'answered'; readonly status: number; readonly durationMs: number }
  | { readonly kind: 'unreachable'; readonly reason: 'timeout' | 'connection'; readonly durationMs: number };

/** POSTs one transmission to its destination and reports how the endpoint answered. */
export interface Deliverer {
  post(request: DeliveryRequest): Promise<DeliveryOutcome>;
}

export type Clock = () => Date;
