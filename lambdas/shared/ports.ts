/**
 * The ports the use cases take as arguments. AWS adapters in `aws/` implement them over the v3 SDK;
 * the local runtime uses the same adapters against stand-ins, and replaces only the event-source
 * mappings, which have none.
 */
import type { AttemptOutcome } from './domain/failures';
import type {
  AcceptedMessage,
  Arrival,
  Destination,
  Message,
  Organization,
  OutboxEmail,
  Pause,
  Source,
  Subscription,
  TransmissionStatus,
} from './domain/model';

/** Organizations, sources, destinations and subscriptions. */
export interface Directory {
  putOrganization(organization: Organization): Promise<void>;
  getOrganization(id: string): Promise<Organization | undefined>;
  putSource(source: Source, apiKeyHash: string): Promise<void>;
  getSource(id: string): Promise<Source | undefined>;
  /** The source an API key belongs to, and until when the key works when it has been replaced. */
  findApiKey(apiKeyHash: string): Promise<ApiKeyHolder | undefined>;
  /**
   * Issues a source a new key; the key it had keeps working until `previousValidUntil`.
   * `conflict` when another rotation of the same source happened in between.
   */
  rotateSourceKey(sourceId: string, newApiKeyHash: string, previousValidUntil: string): Promise<'rotated' | 'source_not_found' | 'conflict'>;
  putDestination(destination: Destination): Promise<void>;
  getDestination(id: string): Promise<Destination | undefined>;
  markDestinationProvisioned(
    id: string,
    provisioned: { queueUrl: string; queueArn: string; mappingId: string },
  ): Promise<Destination>;
  putSubscription(subscription: Subscription): Promise<void>;
  listSubscriptionsOfSource(sourceId: string): Promise<Subscription[]>;
  /**
   * Pauses an active destination and, in the same write, marks its head paused and puts the alert
   * in the outbox. Returns false when it was already paused (the episode has its alert already).
   */
  pauseDestination(destinationId: string, pause: Pause, alert: OutboxEmail): Promise<boolean>;
  /** Records the outcome of a probe of a paused destination (next rung of the ladder, a new head, ...). */
  updatePause(destinationId: string, change: PauseChange): Promise<void>;
  /**
   * Takes the head of a paused destination for `leaseMs` (probing, moving aging entries to the
   * spill, skipping): false while someone else holds it. Only one worker at a time moves a
   * destination's head, so nothing behind it overtakes it.
   */
  holdHead(destinationId: string, holder: string, leaseMs: number): Promise<boolean>;
  releaseHead(destinationId: string, holder: string): Promise<void>;
  /** Ends a pause episode and puts the recovery alert in the outbox; false when it was not paused. */
  resumeDestination(destinationId: string, alert: OutboxEmail): Promise<boolean>;
  listPausedDestinations(): Promise<Destination[]>;
}

export type PauseChange = Partial<
  Pick<Pause, 'probeStep' | 'nextRetryAt' | 'reason' | 'mappingDisabled' | 'headTransmissionId' | 'headMessageId' | 'queueHeadSentAt'>
>;

/**
 * Queue entries of a paused destination moved out of SQS before its retention would drop them,
 * kept in queue order ahead of whatever is still in the queue. Each move also counts the entry in
 * the destination's `spilled`.
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

export interface ApiKeyHolder {
  readonly source: Source;
  /** Set once the key was replaced: it stops working at this time. */
  readonly validUntil?: string;
}

/** Alert emails written together with the state change that causes them, sent afterwards. */
export interface Outbox {
  list(): Promise<OutboxEmail[]>;
  /**
   * Takes an email for sending for `leaseMs`; false when another sender holds it. A sender that
   * fails (or dies) without removing it lets the lease run out, and the email is sent later.
   */
  claim(email: OutboxEmail, leaseMs: number): Promise<boolean>;
  remove(email: OutboxEmail): Promise<void>;
}

/** Sends one email (SES). */
export interface Mailer {
  send(email: { to: string; subject: string; body: string }): Promise<void>;
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
  /** Several messages in one round trip (strongly consistent); ids not found are absent from the map. */
  getMessages(messageIds: readonly string[]): Promise<Map<string, Message | 'abandoned'>>;
  /**
   * The sequence number of a delivery: the next one on its first attempt, the same on a retry.
   * `reservationKey` names the attempt series (a replay is a new series, with a new number).
   */
  reserveSequence(destinationId: string, reservationKey: string): Promise<number>;
  /** Sets a transmission's status (`from` guards against overwriting a later state). */
  setTransmissionStatus(messageId: string, transmissionId: string, status: TransmissionStatus, from: readonly TransmissionStatus[]): Promise<boolean>;
  /** Keeps a skipped transmission's queue entry so it can be replayed. */
  park(transmissionId: string, destinationId: string, envelope: string): Promise<void>;
  getParked(transmissionId: string): Promise<{ destinationId: string; envelope: string } | undefined>;
  removeParked(transmissionId: string): Promise<void>;
  /** Makes a skipped transmission queued again with the next generation; returns that generation. */
  prepareReplay(messageId: string, transmissionId: string): Promise<number | undefined>;
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

/**
 * Payloads too large for a queue message, kept in S3 (KMS-encrypted) while their queue entries
 * carry a reference. One object per message, shared by its transmissions.
 */
export interface PayloadStore {
  /** Resolves once the payload is stored; returns the reference the queue entries carry. */
  put(messageId: string, rawData: string): Promise<string>;
  get(reference: string): Promise<string>;
}

/** One SQS FIFO queue per destination. */
export interface DestinationQueues {
  provision(destinationId: string): Promise<{ queueUrl: string; queueArn: string }>;
  /** Resolves only once the queue has durably accepted the entry. */
  send(queueUrl: string, entry: QueueEntry): Promise<void>;
  depth(queueUrl: string): Promise<number>;
  /** Takes the head of a queue whose mapping is disabled, hiding it for `visibilitySeconds`. */
  receiveHead(queueUrl: string, visibilitySeconds: number): Promise<QueuedEntry | undefined>;
  /** Takes up to `max` (≤ 10) entries from the head of such a queue, in queue order. */
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

export interface DeliveryRequest {
  readonly url: string;
  readonly body: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly timeoutMs: number;
}

export type DeliveryOutcome = AttemptOutcome & { readonly durationMs: number };

/** POSTs one transmission to its destination and reports how the endpoint answered. */
export interface Deliverer {
  post(request: DeliveryRequest): Promise<DeliveryOutcome>;
}

export type Clock = () => Date;
