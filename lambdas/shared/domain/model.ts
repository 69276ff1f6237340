/** The objects Conveyor keeps, as the use cases see them. */

/** A tenant: it owns sources and destinations, and receives the alerts about them. */
export interface Organization {
  readonly id: string;
  readonly name: string;
  readonly alertEmail: string;
  readonly createdAt: string;
}

/** A system that sends messages, authenticated by its API key. */
export interface Source {
  readonly id: string;
  readonly organizationId: string;
  readonly name: string;
  readonly createdAt: string;
}

/**
 * Where a destination stands: being provisioned, waiting for its endpoint to answer the
 * verification challenge (`unverified`), delivering, paused, being deleted (its queue, mapping and
 * spill being removed), or deleted (a tombstone).
 */
export type DestinationStatus = 'provisioning' | 'unverified' | 'active' | 'paused' | 'deleting' | 'deleted';

/** What every destination has, whatever its state: who owns it, where and how it is delivered to. */
export interface DestinationSettings {
  readonly id: string;
  readonly organizationId: string;
  readonly name: string;
  readonly url: string;
  /** The whole of one delivery attempt, in ms (see `TIMEOUT_LIMITS_MS` in schemas.ts). */
  readonly timeoutMs: number;
  /** Standard Webhooks secret (`whsec_…`) the deliveries are signed with. */
  readonly signingSecret: string;
  readonly createdAt: string;
  /** Attempts after the first, inside one invocation, for a transient failure. */
  readonly inlineRetries: number;
  /**
   * The most deliveries per second it receives (see `MAX_PER_SECOND_LIMITS` in schemas.ts); absent:
   * as fast as it answers. Delivery spaces starts by 1000 / maxPerSecond ms.
   */
  readonly maxPerSecond?: number;
  /** Entries moved from the queue to the spill (kept ahead of the queue) during a long pause. */
  readonly spilled?: number;
  /**
   * Created with endpoint verification (`verify: true`, or the deployment's default): its endpoint
   * must echo a challenge before anything is delivered, and again after each change of its URL.
   */
  readonly verify?: boolean;
  /** mTLS: the client certificate presented to the endpoint (absent: none). Never returned by the API. */
  readonly clientCertificate?: ClientCertificate;
  /** The pair a rotation replaced, presented when the endpoint refuses the current one, until `validUntil`. */
  readonly previousClientCertificate?: PreviousClientCertificate;
  /** CA certificates (PEM) that alone decide whether the endpoint's server certificate is trusted (absent: the public roots). */
  readonly caBundle?: string;
}

/**
 * A client certificate and its private key, as given (see `domain/client-certificates.ts` for the
 * checks): stored in the destination's item (the table is encrypted with the deployment's KMS key),
 * never returned by the API, never logged.
 */
export interface ClientCertificate {
  /** PEM certificates, the client's own first, then any intermediates. */
  readonly chain: string;
  /** PEM private key, unencrypted (PKCS#8, PKCS#1 or SEC1 EC). */
  readonly key: string;
}

/** A client certificate a rotation replaced, kept for its overlap. */
export interface PreviousClientCertificate extends ClientCertificate {
  /** After this (ISO 8601) it is no longer presented. */
  readonly validUntil: string;
}

/** The destination's own FIFO queue and the event-source mapping that feeds it to delivery. */
export interface DestinationQueue {
  readonly queueUrl: string;
  readonly queueArn: string;
  readonly mappingId: string;
}

/**
 * Registered, its queue and mapping not yet recorded (the admin API answers 404 for it, ingest
 * does not route to it). Provisioning that failed leaves a destination in this state.
 */
export interface ProvisioningDestination extends DestinationSettings {
  readonly status: 'provisioning';
  readonly queueUrl?: undefined;
  readonly queueArn?: undefined;
  readonly mappingId?: undefined;
  readonly pause?: undefined;
}

/** The last failed verification challenge of an unverified destination. */
export interface VerificationAttempt {
  /** When the challenge ended (its answer, timeout or error), ISO 8601. */
  readonly lastAttemptAt: string;
  /**
   * Why it failed: `http_error <status>`, `timeout` or `timeout (<phase>)`, `connection_error` or
   * `connection_error (<code>)`, `address_refused`, `not_json`, `challenge_mismatch`. Never the
   * endpoint's answer itself.
   */
  readonly lastError: string;
}

/**
 * Provisioned, waiting for its endpoint to echo the verification challenge (`verify: true`): its
 * mapping is (or is being) disabled, so what is routed to it waits in its queue, in order. A
 * challenge answered becomes `active` (`Directory.recordVerified`).
 */
export interface UnverifiedDestination extends DestinationSettings, DestinationQueue {
  readonly status: 'unverified';
  readonly pause?: undefined;
  /** Its last failed challenge; absent before the first. */
  readonly verification?: VerificationAttempt;
  /** Its last pause episode, kept from before its URL changed. */
  readonly episode?: PauseEpisode;
}

/** Provisioned and delivering: its mapping is (or is being) enabled. */
export interface ActiveDestination extends DestinationSettings, DestinationQueue {
  readonly status: 'active';
  readonly pause?: undefined;
  /** Its last pause episode as its alerts count it; absent until it first pauses. */
  readonly episode?: PauseEpisode;
}

/** Provisioned and paused: its head failed for good, nothing behind it moves until it resumes. */
export interface PausedDestination extends DestinationSettings, DestinationQueue {
  readonly status: 'paused';
  readonly pause: Pause;
  /** The pause episode under way; absent only on a pause recorded before episodes were kept. */
  readonly episode?: PauseEpisode;
}

/**
 * A destination with its queue and mapping: the queue fields and status `active` (or `unverified`)
 * are recorded in one write (`Directory.markDestinationProvisioned`), and a pause changes only the status.
 */
export type ProvisionedDestination = ActiveDestination | PausedDestination | UnverifiedDestination;

/**
 * Being deleted (`DELETE /v1/admin/destinations/{id}`): recorded in one conditional write from
 * active or paused, before its mapping, queue and spill are removed. It keeps their ids so a
 * repeated DELETE can finish the job. From this write on nothing delivers to it, probes it, pauses
 * it or changes its mapping, ingest does not route to it, and its waiting transmissions read
 * `cancelled`.
 */
export interface DeletingDestination extends DestinationSettings, DestinationQueue {
  readonly status: 'deleting';
  /** When the deletion was recorded (ISO 8601). */
  readonly deletingAt: string;
  /** The DELETE that started it had `force=true`: entries were (or may have been) waiting. */
  readonly forced: boolean;
  readonly pause?: undefined;
}

/**
 * Deleted: its queue, mapping and spill are gone. The item stays as a tombstone, so the id stays
 * unusable (404 everywhere) and a message read can answer `cancelled` for its waiting
 * transmissions. Its signing secret is removed.
 */
export interface DeletedDestination extends Omit<DestinationSettings, 'signingSecret'> {
  readonly status: 'deleted';
  readonly deletingAt: string;
  readonly deletedAt: string;
  readonly forced: boolean;
  readonly signingSecret?: undefined;
  readonly queueUrl?: string;
  readonly queueArn?: string;
  readonly mappingId?: string;
  readonly pause?: undefined;
}

/** A destination whose deletion was recorded (being deleted, or deleted). */
export type RemovedDestination = DeletingDestination | DeletedDestination;

/** A destination in any state; `status` tells which (see the guards in destinations.ts). */
export type Destination = ProvisioningDestination | ProvisionedDestination | RemovedDestination;

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

/**
 * A destination's pause episode, as its alerts count it (kept on the destination's item, across its
 * pauses and resumes; see `domain/pause-episodes.ts` for the rules). An episode starts with a pause
 * and ends once the destination, resumed, stays active for the settling time; a pause within the
 * settling time continues it. It also carries the starts of the recent episodes, which decide when
 * the destination is unstable (flapping).
 */
export interface PauseEpisode {
  /** Unique to each write: a pause is recorded only over the episode it read (a condition). */
  readonly version: string;
  /** Its first pause (ISO 8601). */
  readonly startedAt: string;
  /** The reason of its first pause. */
  readonly firstReason: string;
  /** Its pauses: the first, and each one within the settling time after a resume. */
  readonly pauses: number;
  /** The organization its first pause alerted (or would have); its Resumed email goes there too. */
  readonly alertedOrganizationId: string;
  /** A Paused email announced it; false when it started while the destination was unstable. */
  readonly announced: boolean;
  /** Its last resume (ISO 8601); absent while paused. A pause before `resumedAt` + settling time continues it. */
  readonly resumedAt?: string;
  /** The Resumed email waiting out the settling time in the outbox (its key), withdrawn by a pause within it. */
  readonly pendingResumed?: OutboxEmailKey;
  /** The starts of the latest episodes inside the flapping window (ISO 8601, oldest first, this one last). */
  readonly recentStarts: readonly string[];
  /** When the Unstable email was written; set while no Paused or Resumed emails go (see `pause-episodes.ts`). */
  readonly unstableSince?: string;
}

/** Whose fault a failure is: the sender's data (the endpoint refused it) or the destination's endpoint. */
export type Fault = 'sender' | 'destination';

/** Lets a source reach a destination for one data model (and event type, where it names one). */
export interface Subscription {
  readonly id: string;
  readonly sourceId: string;
  readonly destinationId: string;
  readonly dataModel: string;
  readonly eventType?: string;
  readonly createdAt: string;
}

/**
 * Where one transmission stands (`paused`: it is the head of a paused destination; `cancelled`:
 * it was waiting when its destination was deleted, and will never be delivered).
 */
export type TransmissionStatus = 'queued' | 'delivered' | 'paused' | 'skipped' | 'cancelled';

/** One message's delivery to one destination. */
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

/** One accepted message and its transmissions, one per destination. */
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
  /**
   * The delivering attempt, as its attempt log shows it (see `AttemptLogEntry`): the 2xx status,
   * how long it took (ms) and the first 1,024 bytes of the answer. Absent on an entry written
   * before the attempt log existed, or written again from the transmission alone.
   */
  readonly status?: number;
  readonly durationMs?: number;
  /** May hold PHI: shown only by `GET /v1/admin/transmissions/{id}`, never logged, metered or emailed. */
  readonly responseExcerpt?: string;
}

/** How one attempt ended, as the attempt log names it (see `attemptOutcomeOf` in attempt-log.ts). */
export type AttemptOutcomeName = 'delivered' | 'http_error' | 'timeout' | 'connection_error' | 'address_refused';

/** One attempt at delivering a transmission, as `GET /v1/admin/transmissions/{id}` shows it. */
export interface AttemptLogEntry {
  /** When the attempt ended (its answer, timeout or error), ISO 8601. */
  readonly at: string;
  readonly outcome: AttemptOutcomeName;
  /** The HTTP status, when the endpoint answered. */
  readonly status?: number;
  /**
   * Why an attempt without an answer failed: for `timeout` the phase it was in (`connect`, `tls`,
   * `headers`, `body`), for `connection_error` the system, TLS or HTTP-parser error code
   * (`ECONNREFUSED`, `CERT_HAS_EXPIRED`, `HPE_CR_EXPECTED`, …). Absent on entries written before it existed.
   */
  readonly reason?: string;
  /** From sending to the answer's status line (or the failure), ms; absent only on a delivered entry written without it. */
  readonly durationMs?: number;
  /**
   * The first 1,024 bytes of the answer's body as UTF-8 text (a cut character replaced); absent
   * for an empty body or no answer. May hold PHI: stored only in the table (encrypted with its
   * customer-managed key), shown only by the admin route, never logged, metered or emailed.
   */
  readonly responseExcerpt?: string;
}

/** An attempt as stored: its number among the transmission's attempts (1, 2, ...) keys and orders it. */
export interface RecordedAttempt extends AttemptLogEntry {
  readonly attempt: number;
}

/** An email waiting in the outbox (alerts are written with the state change, then sent). */
export interface OutboxEmail {
  readonly id: string;
  readonly to: string;
  readonly subject: string;
  readonly body: string;
  readonly destinationId: string;
  readonly createdAt: string;
  /**
   * Not to be sent before this time (ISO 8601): a Resumed email waits out the settling time, and
   * a pause within it withdraws the email. Absent: due at once.
   */
  readonly notBefore?: string;
}

/** What finds an email in the outbox: it is keyed by when it is due (`notBefore`, else `createdAt`) and its id. */
export type OutboxEmailKey = Pick<OutboxEmail, 'id' | 'createdAt' | 'notBefore'>;
