import { createHash } from 'node:crypto';
import {
  ApiError,
  destinationNotAllowed,
  idempotencyKeyReused,
  invalidRequest,
  noDestination,
  notAccepted,
  notFound,
} from '../shared/domain/errors';
import { encodeReferenceEnvelope, envelopeEncoder } from '../shared/domain/envelope';
import { newId, transmissionIdOf } from '../shared/domain/ids';
import { parseJsonObject, rawPropertyText } from '../shared/domain/json-body';
import type { AcceptedMessage, Destination, Message, Source } from '../shared/domain/model';
import { route } from '../shared/domain/routing';
import { idempotencyKeySchema, messageRequestSchema, parseRequest, type MessageRequest } from '../shared/domain/schemas';
import { MetricNames } from '../shared/domain/metric-names';
import { errorFields } from '../shared/runtime/logging';
import { type Log } from '../shared/ports/observe';
import type { Meter } from '../shared/ports/observe';
import { type Clock } from '../shared/ports/observe';
import { type DestinationQueues } from '../shared/ports/queues';
import { type Directory } from '../shared/ports/directory';
import { type IdempotencyRequest, MessageAbandonedError, type MessageStore } from '../shared/ports/messages';
import { type PayloadStore } from '../shared/ports/payloads';

export interface AcceptMessagePorts {
  readonly directory: Pick<Directory, 'getDestination' | 'listSubscriptionsOfSource'>;
  readonly messages: MessageStore;
  readonly queues: DestinationQueues;
  readonly clock: Clock;
  readonly log: Log;
  /** How long an unfinished request holds its Idempotency-Key against a concurrent retry. */
  readonly idempotencyLeaseMs: number;
  /** The largest queue message the destination queues accept, in bytes; larger payloads go to `payloads`. */
  readonly maxQueueMessageBytes: number;
  readonly payloads: PayloadStore;
  readonly meter: Meter;
}

export interface AcceptMessageInput {
  readonly source: Source;
  readonly idempotencyKey: string | undefined;
  /** The request body, already checked to be UTF-8 JSON by media type. */
  readonly body: string;
}

/**
 * `POST /v1/messages`: validates, routes and enqueues one message, one transmission per
 * destination, and answers only after every destination queue confirmed its write. Any failure
 * after the first write abandons the message, so its queued copies are dropped, never delivered.
 */
export const acceptMessage = async (input: AcceptMessageInput, ports: AcceptMessagePorts): Promise<AcceptedMessage> => {
  const { source } = input;
  const idempotencyKey = parseIdempotencyKey(input.idempotencyKey);
  const request = parseRequest(messageRequestSchema, parseJsonObject(input.body));
  const rawData = rawPropertyText(input.body, 'data')!;

  const messageId = newId('message');
  const claim: IdempotencyRequest | undefined = idempotencyKey === undefined ? undefined : {
    sourceId: source.id,
    key: idempotencyKey,
    requestHash: createHash('sha256').update(input.body).digest('hex'),
    messageId,
    leaseMs: ports.idempotencyLeaseMs,
  };
  if (claim) {
    const previous = await dependency(() => ports.messages.claimIdempotencyKey(claim));
    if (previous.outcome === 'answered') {
      if (previous.requestHash !== claim.requestHash) throw idempotencyKeyReused();
      ports.log.info('Repeated Idempotency-Key answered', { sourceId: source.id, messageId: previous.answer.messageId });
      return previous.answer;
    }
    if (previous.outcome === 'in_progress') throw notAccepted('A request with this Idempotency-Key is still being processed.');
  }

  try {
    const destinations = await resolveDestinations(source, request, ports.directory);
    const receivedAt = ports.clock().toISOString();
    const message: Message = {
      id: messageId,
      sourceId: source.id,
      organizationId: source.organizationId,
      receivedAt,
      dataModel: request.meta.dataModel,
      eventType: request.meta.eventType,
      transmissions: destinations.map((destination, index) => ({
        id: transmissionIdOf(messageId, index),
        destinationId: destination.id,
        status: 'queued',
        attempts: 0,
      })),
    };
    const headers = destinations.map((destination, index) => {
      const transmissionId = transmissionIdOf(messageId, index);
      return {
        v: 1 as const,
        messageId,
        transmissionId,
        destinationId: destination.id,
        sourceId: source.id,
        dataModel: message.dataModel,
        eventType: message.eventType,
        receivedAt,
      };
    });
    let bodies = headers.map(envelopeEncoder(rawData));
    if (Math.max(...bodies.map((body) => Buffer.byteLength(body))) > ports.maxQueueMessageBytes) {
      // Too large for a queue message: the payload goes to the payload store first, and the queue
      // entries carry a reference to it.
      let reference: string;
      try {
        reference = await ports.payloads.put(messageId, rawData);
      } catch (error) {
        ports.log.error('Payload store refused a write', { messageId, sourceId: source.id, ...errorFields(error) });
        throw notAccepted('The payload store did not confirm the write.');
      }
      bodies = headers.map((header) => encodeReferenceEnvelope(header, reference));
    }
    const entries = destinations.map((destination, index) => ({
      destination,
      entry: { groupId: destination.id, deduplicationId: headers[index]!.transmissionId, body: bodies[index]! },
    }));

    const sends = await Promise.allSettled(entries.map(({ destination, entry }) => ports.queues.send(destination.queueUrl!, entry)));
    const rejected = sends.filter((send): send is PromiseRejectedResult => send.status === 'rejected');
    const failed = rejected.length;
    if (failed > 0) {
      ports.log.error('Destination queue refused a write', {
        messageId,
        sourceId: source.id,
        failed,
        destinations: entries.length,
        ...errorFields(rejected[0]!.reason),
      });
      await abandon(messageId, ports);
      throw notAccepted(`${failed} of ${entries.length} destination queues did not confirm the write.`);
    }

    const answer: AcceptedMessage = {
      messageId,
      receivedAt,
      transmissions: message.transmissions.map(({ id, destinationId }) => ({ id, destinationId, status: 'queued' as const })),
    };
    try {
      await ports.messages.commitMessage(message, claim && { request: claim, answer });
    } catch (error) {
      ports.log.error('Message could not be committed', { messageId, sourceId: source.id, ...errorFields(error) });
      if (!(error instanceof MessageAbandonedError)) await abandon(messageId, ports);
      throw notAccepted('The message could not be recorded.');
    }
    ports.log.info('Message accepted', { messageId, sourceId: source.id, transmissions: answer.transmissions.length });
    ports.meter.count(MetricNames.messagesAccepted);
    ports.meter.count(MetricNames.transmissionsQueued, answer.transmissions.length);
    return answer;
  } catch (error) {
    if (claim) await ports.messages.releaseIdempotencyKey(claim).catch(() => undefined);
    if (error instanceof ApiError) throw error;
    ports.log.error('Message not accepted', { messageId, sourceId: source.id, ...errorFields(error) });
    throw notAccepted('A dependency failed.');
  }
};

const parseIdempotencyKey = (value: string | undefined): string | undefined => {
  if (value === undefined) return undefined;
  if (!idempotencyKeySchema.safeParse(value).success) {
    throw invalidRequest('The Idempotency-Key header must be 1 to 255 printable ASCII characters.');
  }
  return value;
};

/** Runs a call to a dependency, answering 503 `not_accepted` when it fails. */
const dependency = async <T>(call: () => Promise<T>): Promise<T> => {
  try {
    return await call();
  } catch {
    throw notAccepted('A dependency failed.');
  }
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

const usable = (destination: Destination | undefined): destination is Destination =>
  destination !== undefined && destination.status !== 'provisioning' && destination.queueUrl !== undefined;

/**
 * The destinations a message goes to: each one it names must exist (404) and be covered by one of
 * the source's subscriptions (403); without names, every destination a covering subscription
 * points to. None at all is 422.
 */
const resolveDestinations = async (source: Source, request: MessageRequest, directory: AcceptMessagePorts['directory']): Promise<Destination[]> => {
  const subscriptions = await directory.listSubscriptionsOfSource(source.id);
  const routed = route(request.meta, subscriptions);
  const named = request.meta.destinations ?? [];
  const lookups = await Promise.all([...new Set([...routed.destinationIds, ...routed.uncovered])].map((id) => directory.getDestination(id)));
  const byId = new Map(lookups.filter(usable).map((destination) => [destination.id, destination]));

  const missing = named.find((id) => !byId.has(id));
  if (missing !== undefined) throw notFound('destination', missing);
  const forbidden = routed.uncovered[0];
  if (forbidden !== undefined) throw destinationNotAllowed(forbidden);
  const destinations = routed.destinationIds.map((id) => byId.get(id)).filter(usable);
  if (destinations.length === 0) throw noDestination();
  return destinations;
};
