import { ApiError, invalidRequest, notAccepted } from '../shared/domain/errors';
import {
  encodeReferenceEnvelope,
  type EnvelopeHeader,
  envelopeEncoder,
  type PayloadReference,
} from '../shared/domain/envelope';
import { newId, transmissionIdOf } from '../shared/domain/ids';
import { parseJsonBody } from '../shared/domain/json-body';
import type { AcceptedMessage, Message, ProvisionedDestination, Source, Subscription } from '../shared/domain/model';
import { entryNeedsPayloadStore } from '../shared/domain/size-limits';
import {
  idempotencyKeySchema,
  messageRequestSchema,
  parseRequest,
  type MessageRequest,
} from '../shared/domain/schemas';
import { MetricNames } from '../shared/domain/metric-names';
import { errorFields, stackFields } from '../shared/runtime/logging';
import type { Clock, Log, Meter } from '../shared/ports/observe';
import type { DestinationQueues, QueueEntry } from '../shared/ports/queues';
import { MessageAbandonedError, type MessageStore } from '../shared/ports/messages';
import type { PayloadStore } from '../shared/ports/payloads';
import type { UploadRecord } from '../shared/domain/uploads';
import {
  changedSubscriptions,
  type RoutingDirectory,
  type Routing,
  readSubscriptions,
  resolveDestinations,
  type SubscriptionReads,
} from './message-routing';
import { claimKey, idempotencyRequestOf } from './idempotency-claim';
import { findUpload, readUpload, releaseUpload, takeUpload, type UploadedDataPorts } from './uploaded-data';

/** What `acceptMessage` takes: its ports and its settings. */
export interface AcceptMessagePorts extends UploadedDataPorts {
  /** Destinations and subscriptions (see `RoutingDirectory`). */
  readonly directory: RoutingDirectory;
  readonly messages: MessageStore;
  readonly queues: DestinationQueues;
  readonly clock: Clock;
  readonly log: Log;
  /** How long (ms) an unfinished request holds its Idempotency-Key against a concurrent retry. */
  readonly idempotencyLeaseMs: number;
  /**
   * The largest queue message the destination queues accept, in bytes (SQS: 1 MiB); larger
   * payloads go to `payloads`. A hard cap: smaller entries go there too when their escaped size
   * could make a delivery batch too large for one invocation (`entryNeedsPayloadStore`).
   */
  readonly maxQueueMessageBytes: number;
  readonly payloads: PayloadStore;
  readonly meter: Meter;
}

/** One `POST /v1/messages` request, its source authenticated (perhaps by a warm function's memory alone). */
export interface AcceptMessageInput {
  readonly source: Source;
  /**
   * When `source` came from a warm function's memory of the API key: the store's confirmation of
   * it, read in parallel (`AuthenticatedSource.confirmed`: rejects with a 401 `ApiError` when the
   * key's record refuses, or with the read's error). Absent when the key was read before.
   */
  readonly confirmed?: Promise<void>;
  readonly idempotencyKey: string | undefined;
  /** The request body, already checked to be UTF-8 JSON by media type. */
  readonly body: string;
  /**
   * Aborted once the request is out of time (its answer is 503 `not_accepted` then): the message
   * is not committed after it, but abandoned, so a message the integrator was told to send again is
   * never delivered as well.
   */
  readonly outOfTime?: AbortSignal;
}

/**
 * `POST /v1/messages`: validates, routes and enqueues one message, one transmission per
 * destination, and answers only after every destination queue confirmed its write. Any failure
 * after the first write abandons the message, so its queued copies are dropped, never delivered.
 *
 * The source may come from a warm function's memory of its API key, the key's record being read
 * afresh meanwhile (`input.confirmed`): steps 1–7 then run beside that read, and nothing is
 * acknowledged (step 2's repeated answer, step 8's commit) before it confirms the source.
 *
 * 1. Validate the `Idempotency-Key` header and the body (400 `invalid_request` / `invalid_json`):
 *    `meta` and exactly one of `data` and `dataUpload`.
 * 2. With a key: claim it (`idempotency-claim.ts`), before anything else is written. A repeat of
 *    an answered request gets the first answer, once the source is confirmed, and enqueues
 *    nothing new (nor looks at its upload again); the same key with another body is 422
 *    `idempotency_key_reused`; one still being processed is 503 `not_accepted`. (Claiming beside
 *    the queue writes would save the claim's round trip, but a repeat would then enqueue a copy
 *    to abandon, which the contract rules out.)
 * 3. With `dataUpload`: find the upload (404 `upload_not_found`, 409 `upload_used`: `findUpload`).
 * 4. Route: the destinations the message goes to (404 `destination_not_found`, 403
 *    `destination_not_allowed`, 422 `no_destination`; see `resolveDestinations`), by the source's
 *    subscriptions as a warm function remembers them when it does, while they are read afresh
 *    in parallel; a refusal is answered only from the fresh read.
 * 5. With `dataUpload`: read and check the document (409 `upload_incomplete`, 400
 *    `invalid_upload`: `readUpload`), then take it for this message (409 `upload_used` when
 *    another took it first) and tag it used (`takeUpload`).
 * 6. Build the message and each transmission's queue entry. An upload is the payload object
 *    itself: the entries carry its key and the ETag checked (no second copy). Inline data travels
 *    in the entry unless an entry would be too large (`entryNeedsPayloadStore`: escaped, over
 *    `MAX_INLINE_ENTRY_ESCAPED_BYTES`, so that a delivery batch of ten fits one Lambda
 *    invocation; or over `maxQueueMessageBytes`): then it goes to the payload store first and
 *    the entries carry a reference to it.
 * 7. Send every entry to its destination's queue, in parallel. Then wait for the source's
 *    confirmation: a key the store refuses abandons the message (401 `unauthorized`), a read that
 *    fails abandons it too (503). When the route came from memory, check it against the fresh
 *    read: if the subscriptions changed it (one created or deleted, a destination deleted, whose
 *    queue then refuses the write), abandon the message and start again from step 2 with the
 *    fresh subscriptions, once. Otherwise any refusal abandons the message.
 * 8. Commit the message, with the answer for its key; a failure abandons it, and so does a request
 *    already out of time (`outOfTime`: it was answered 503).
 * 9. Count and answer.
 *
 * The body is parsed once (`parseJsonBody`): the value for the schema and the exact text of
 * `data` come from the same pass.
 *
 * A 401 comes before any other answer, as when the key is read first: every error (4xx or 503)
 * waits for the source's confirmation and becomes 401 when the store refuses the key (503 when
 * the read failed). A failing dependency answers 503 `not_accepted` (nothing was acknowledged;
 * the sender retries with the same key). On any failure the key is released when this request
 * claimed it, and after step 5 the upload is given back (`releaseUpload`); nothing is enqueued
 * before step 7.
 */
export const acceptMessage = async (input: AcceptMessageInput, ports: AcceptMessagePorts): Promise<AcceptedMessage> => {
  const confirmed = sourceConfirmation(input, ports);
  try {
    return await acceptConfirmed(input, confirmed, ports);
  } catch (error) {
    // A refused key is answered first, whatever else went wrong (a 400 included).
    await confirmed;
    throw error;
  }
};

/** Steps 1–9 of `acceptMessage`; `confirmed` is the source's confirmation (`sourceConfirmation`). */
const acceptConfirmed = async (
  input: AcceptMessageInput,
  confirmed: Promise<void>,
  ports: AcceptMessagePorts,
): Promise<AcceptedMessage> => {
  const idempotencyKey = parseIdempotencyKey(input.idempotencyKey);
  const body = parseJsonBody(input.body);
  // The schema lets through exactly one of `data` and `dataUpload`.
  const request = parseRequest(messageRequestSchema, body.value);
  const valid: ValidRequest = {
    source: input.source,
    confirmed,
    ...(input.outOfTime === undefined ? {} : { outOfTime: input.outOfTime }),
    idempotencyKey,
    body: input.body,
    request,
    rawData: body.propertyText('data'),
  };
  const subscriptions = readSubscriptions(input.source.id, ports.directory);
  try {
    return await acceptRouted(valid, subscriptions, ports);
  } catch (error) {
    if (!(error instanceof StaleRouteError)) throw error;
    ports.log.info('Message routed again: the subscriptions remembered had changed', {
      sourceId: input.source.id,
      abandonedMessageId: error.messageId,
    });
    return acceptRouted(valid, { fresh: Promise.resolve(error.subscriptions) }, ports);
  }
};

/** A request whose header and body passed validation. */
interface ValidRequest {
  readonly source: Source;
  /** Settles once the source is confirmed: rejects with a 401 or 503 `ApiError` (`sourceConfirmation`). */
  readonly confirmed: Promise<void>;
  /** See `AcceptMessageInput.outOfTime`. */
  readonly outOfTime?: AbortSignal;
  readonly idempotencyKey: string | undefined;
  /** The body as sent (its hash binds the Idempotency-Key). */
  readonly body: string;
  readonly request: MessageRequest;
  /** `data`'s exact text in the body, when the body has `data`. */
  readonly rawData: string | undefined;
}

/**
 * A route taken from remembered subscriptions is not the one the stored subscriptions give now: the message
 * (already abandoned) is to be accepted again, under a new id, with `subscriptions`.
 */
class StaleRouteError extends Error {
  constructor(
    readonly messageId: string,
    readonly subscriptions: readonly Subscription[],
  ) {
    super(`The route of message ${messageId} was taken from subscriptions that have changed`);
    this.name = 'StaleRouteError';
  }
}

/** Steps 2–9 of `acceptMessage`, routed by `subscriptions`. */
const acceptRouted = async (
  valid: ValidRequest,
  subscriptions: SubscriptionReads,
  ports: AcceptMessagePorts,
): Promise<AcceptedMessage> => {
  const { source, request } = valid;
  const messageId = newId('message');
  const ids: MessageIds = { messageId, sourceId: source.id };
  // The claim's answer comes first: a repeat gets the first answer and enqueues nothing new (the
  // contract), so no queue write or payload may start before it.
  const claim = idempotencyRequestOf(valid.idempotencyKey, ids, valid.body, ports.idempotencyLeaseMs);
  if (claim) {
    const earlier = await claimKey(claim, valid.confirmed, ports);
    if (earlier !== undefined) return earlier;
  }

  let upload: UploadRecord | undefined;
  let uploadTaken = false;
  try {
    upload = request.dataUpload === undefined ? undefined : await findUpload(source, request.dataUpload, ports);
    const routing = await resolveDestinations(request, subscriptions, ports.directory);
    const { destinations } = routing;
    let data: MessageData;
    if (upload === undefined) {
      data = { rawData: rawDataOf(valid.rawData) };
    } else {
      data = { reference: await readUpload(upload, ports) };
      await takeUpload(upload, data.reference, messageId, ports);
      uploadTaken = true;
    }
    const receivedAt = ports.clock().toISOString();
    const planned = destinations.map((destination, index) => ({
      destination,
      header: {
        v: 1 as const,
        messageId,
        transmissionId: transmissionIdOf(messageId, index),
        destinationId: destination.id,
        sourceId: source.id,
        dataModel: request.meta.dataModel,
        eventType: request.meta.eventType,
        receivedAt,
      },
    }));
    const message: Message = {
      id: messageId,
      sourceId: source.id,
      organizationId: source.organizationId,
      receivedAt,
      dataModel: request.meta.dataModel,
      eventType: request.meta.eventType,
      transmissions: planned.map(({ header }) => ({
        id: header.transmissionId,
        destinationId: header.destinationId,
        status: 'queued',
        attempts: 0,
      })),
    };
    const entries = await queueEntries(planned, data, ids, ports);
    await enqueue(entries, ids, ports, async () => {
      await confirmSource(valid.confirmed, messageId, ports);
      await confirmRoute(routing, request, subscriptions, ids, ports);
    });

    const answer: AcceptedMessage = {
      messageId,
      receivedAt,
      transmissions: message.transmissions.map(({ id, destinationId }) => ({
        id,
        destinationId,
        status: 'queued' as const,
      })),
    };
    if (valid.outOfTime?.aborted) {
      // Answered 503 already: the integrator sends it again, so this copy must never be delivered.
      await abandon(messageId, ports);
      throw notAccepted('The request ran out of time.');
    }
    try {
      await ports.messages.commitMessage(message, claim && { request: claim, answer });
    } catch (error) {
      ports.log.error('Message could not be committed', { messageId, sourceId: source.id, ...errorFields(error) });
      if (!(error instanceof MessageAbandonedError)) await abandon(messageId, ports);
      throw notAccepted('The message could not be recorded.');
    }
    // DEBUG: one line per message was most of the log bytes; the message's item records it.
    ports.log.debug('Message accepted', {
      messageId,
      sourceId: source.id,
      transmissions: answer.transmissions.length,
      ...(upload === undefined ? {} : { uploadId: upload.uploadId }),
    });
    ports.meter.count(MetricNames.messagesAccepted);
    ports.meter.count(MetricNames.transmissionsQueued, answer.transmissions.length);
    return answer;
  } catch (error) {
    if (upload && uploadTaken) await releaseUpload(upload, messageId, ports);
    if (claim) await ports.messages.releaseIdempotencyKey(claim).catch(() => undefined);
    if (error instanceof ApiError || error instanceof StaleRouteError) throw error;
    ports.log.error('Message not accepted', { messageId, sourceId: source.id, ...errorFields(error) });
    throw notAccepted('A dependency failed.');
  }
};

/** The ids a failure of one message is logged with. */
interface MessageIds {
  readonly messageId: string;
  readonly sourceId: string;
}

/** One transmission's destination and the queue entry that carries it there. */
interface PlannedEntry {
  readonly destination: ProvisionedDestination;
  readonly entry: QueueEntry;
}

/** `data`'s exact text in the body, sent on as it came (the schema made sure it is there). */
const rawDataOf = (rawData: string | undefined): string => {
  if (rawData === undefined) throw invalidRequest('data is required.');
  return rawData;
};

/** A message's data: inline text as sent, or where it is kept already (its upload). */
type MessageData = { readonly rawData: string } | { readonly reference: PayloadReference };

/**
 * Each transmission's queue entry: its envelope with the data, or with a reference to the
 * payload: an upload's, or, when any entry is too large to travel inline (see
 * `entryNeedsPayloadStore`), one written to the payload store first.
 */
const queueEntries = async (
  planned: ReadonlyArray<{ destination: ProvisionedDestination; header: EnvelopeHeader }>,
  data: MessageData,
  ids: MessageIds,
  ports: AcceptMessagePorts,
): Promise<PlannedEntry[]> => {
  const referring = (reference: PayloadReference) =>
    planned.map(({ destination, header }) => ({
      destination,
      header,
      body: encodeReferenceEnvelope(header, reference),
    }));
  if ('reference' in data) return entriesOf(referring(data.reference));
  const { rawData } = data;
  const encode = envelopeEncoder(rawData);
  let bodies = planned.map(({ destination, header }) => ({ destination, header, body: encode(header) }));
  if (bodies.some(({ body }) => entryNeedsPayloadStore(body, ports.maxQueueMessageBytes))) {
    // Too large to travel inline: the payload goes to the payload store first, and the queue
    // entries carry a reference to it.
    let key: string;
    try {
      key = await ports.payloads.put(ids.messageId, rawData);
    } catch (error) {
      ports.log.error('Payload store refused a write', { ...ids, ...errorFields(error) });
      throw notAccepted('The payload store did not confirm the write.');
    }
    bodies = referring({ key, bytes: Buffer.byteLength(rawData) });
  }
  return entriesOf(bodies);
};

/** The queue entry of each transmission's envelope, in its destination's message group. */
const entriesOf = (
  bodies: ReadonlyArray<{ destination: ProvisionedDestination; header: EnvelopeHeader; body: string }>,
): PlannedEntry[] =>
  bodies.map(({ destination, header, body }) => ({
    destination,
    entry: { groupId: destination.id, deduplicationId: header.transmissionId, body },
  }));

/**
 * Sends every entry to its destination's queue at once, then `confirm`s the source and the route
 * (which throws when either does not hold); when any send is refused, abandons the message (503).
 */
const enqueue = async (
  entries: readonly PlannedEntry[],
  ids: MessageIds,
  ports: AcceptMessagePorts,
  confirm: () => Promise<void>,
): Promise<void> => {
  const sends = await Promise.allSettled(
    entries.map(({ destination, entry }) => ports.queues.send(destination.queueUrl, entry)),
  );
  await confirm();
  const rejected = sends.filter((send): send is PromiseRejectedResult => send.status === 'rejected');
  const [firstRejection] = rejected;
  if (firstRejection === undefined) return;
  const failed = rejected.length;
  ports.log.error('Destination queue refused a write', {
    ...ids,
    failed,
    destinations: entries.length,
    ...errorFields(firstRejection.reason),
  });
  await abandon(ids.messageId, ports);
  throw notAccepted(`${failed} of ${entries.length} destination queues did not confirm the write.`);
};

const parseIdempotencyKey = (value: string | undefined): string | undefined => {
  if (value === undefined) return undefined;
  if (!idempotencyKeySchema.safeParse(value).success) {
    throw invalidRequest('The Idempotency-Key header must be 1 to 255 printable ASCII characters.');
  }
  return value;
};

/** Best effort: a message that is never committed is dropped by delivery after a grace period anyway. */
const abandon = async (messageId: string, ports: AcceptMessagePorts) => {
  await ports.messages.abandonMessage(messageId).catch((error: unknown) => {
    ports.log.warn('Could not mark message abandoned; delivery will drop it after the grace period', {
      messageId,
      ...errorFields(error),
    });
  });
};

/**
 * Step 7's check of a route taken from remembered subscriptions, once its entries are sent: when the
 * stored subscriptions route the message otherwise, abandons it (delivery drops its entries) and
 * throws `StaleRouteError` with them; a fresh read that fails abandons it too (503 `not_accepted`).
 */
const confirmRoute = async (
  routing: Routing,
  request: MessageRequest,
  subscriptions: SubscriptionReads,
  ids: MessageIds,
  ports: AcceptMessagePorts,
): Promise<void> => {
  let changed: readonly Subscription[] | undefined;
  try {
    changed = await changedSubscriptions(routing, request, subscriptions);
  } catch (error) {
    ports.log.error('Subscriptions could not be read', { ...ids, ...errorFields(error) });
    await abandon(ids.messageId, ports);
    throw notAccepted('A dependency failed.');
  }
  if (changed === undefined) return;
  await abandon(ids.messageId, ports);
  throw new StaleRouteError(ids.messageId, changed);
};

/**
 * The store's confirmation of `input.source`, answered as `acceptMessage` answers: resolves when
 * the key's fresh record authorizes the source (at once when the source was read from the store);
 * rejects with its 401, or, when the read failed, 503 `not_accepted` (logged here, once, by name
 * and frames: an error's message may quote the request). Never an unhandled rejection.
 */
const sourceConfirmation = (input: AcceptMessageInput, ports: AcceptMessagePorts): Promise<void> => {
  if (input.confirmed === undefined) return Promise.resolve();
  const confirmed = input.confirmed.catch((error: unknown) => {
    if (error instanceof ApiError) throw error;
    ports.log.error('API key could not be read', { sourceId: input.source.id, ...stackFields(error) });
    throw notAccepted('A dependency failed.');
  });
  confirmed.catch(() => undefined);
  return confirmed;
};

/**
 * Step 7's wait for the source's confirmation, once the message's entries are sent: when the key
 * is refused (401) or its read failed (503), abandons the message (delivery drops its entries).
 */
const confirmSource = async (confirmed: Promise<void>, messageId: string, ports: AcceptMessagePorts) => {
  try {
    await confirmed;
  } catch (error) {
    await abandon(messageId, ports);
    throw error;
  }
};
