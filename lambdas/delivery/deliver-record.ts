import type { SQSRecord } from 'aws-lambda';
import { decodeEnvelope, deliveryBody, type EnvelopeHeader } from '../shared/domain/envelope';
import type { Destination, Message } from '../shared/domain/model';
import { deliveryHeaders } from '../shared/domain/signature';
import type { Log } from '../shared/logging';
import type { Clock, Deliverer, DeliveryOutcome, Directory, MessageStore } from '../shared/ports';

export interface DeliveryPorts {
  readonly directory: Directory;
  readonly messages: MessageStore;
  readonly deliverer: Deliverer;
  readonly clock: Clock;
  readonly log: Log;
  readonly sleep: (ms: number) => Promise<void>;
  /**
   * How long after its receipt a message may still be committed by the ingest function (longer
   * than that function's timeout). A queued copy whose message is still unrecorded after this is
   * abandoned: its ingest answered 5xx, so it must not be delivered.
   */
  readonly commitGraceMs: number;
}

/** An attempt the endpoint did not accept; the record and every later one go back to the queue. */
export class DeliveryFailedError extends Error {
  constructor(readonly reason: string) {
    super(`Delivery failed: ${reason}`);
    this.name = 'DeliveryFailedError';
  }
}

const describe = (outcome: DeliveryOutcome): string =>
  outcome.kind === 'answered' ? `HTTP ${outcome.status}` : outcome.reason === 'timeout' ? 'timeout' : 'connection error';

/**
 * Waits until the ingest function committed the message (normally already done), or gives the
 * message up once the grace period is over and the ingest can no longer commit it.
 */
const committedMessage = async (header: EnvelopeHeader, ports: DeliveryPorts): Promise<Message | 'abandoned'> => {
  const deadline = Date.parse(header.receivedAt) + ports.commitGraceMs;
  for (let wait = 25; ; wait = Math.min(wait * 2, 1000)) {
    const message = await ports.messages.getMessage(header.messageId);
    if (message !== undefined) return message;
    if (ports.clock().getTime() > deadline) {
      if (await ports.messages.abandonMessage(header.messageId)) return 'abandoned';
    } else {
      await ports.sleep(wait);
    }
  }
};

/**
 * Delivers one queued transmission: POST to the destination with the contract's headers and wait
 * for the status. A 2xx within the timeout records the arrival; anything else records the attempt
 * and throws, so the FIFO batch stops here and this record stays at the head of its queue.
 */
export const deliverRecord = async (record: SQSRecord, destination: Destination, ports: DeliveryPorts): Promise<void> => {
  const { header, rawData } = decodeEnvelope(record.body);
  const ids = { messageId: header.messageId, transmissionId: header.transmissionId, destinationId: header.destinationId };
  const message = await committedMessage(header, ports);
  if (message === 'abandoned') {
    ports.log.warn('Dropped a queued copy of a message that was never acknowledged', ids);
    return;
  }
  const transmission = message.transmissions.find((candidate) => candidate.id === header.transmissionId);
  if (!transmission) throw new Error(`Message ${header.messageId} has no transmission ${header.transmissionId}`);
  if (transmission.status === 'delivered') {
    ports.log.info('Transmission already delivered; duplicate queue entry dropped', ids);
    return;
  }

  const sequence = await ports.messages.reserveSequence(destination.id, transmission.id);
  const body = deliveryBody(header, sequence, rawData);
  const headers = deliveryHeaders({
    signingSecret: destination.signingSecret,
    transmissionId: transmission.id,
    sequence,
    body,
    sentAt: ports.clock(),
  });
  const outcome = await ports.deliverer.post({ url: destination.url, body, headers, timeoutMs: destination.timeoutMs });
  const attempts = transmission.attempts + 1;

  if (outcome.kind === 'answered' && outcome.status >= 200 && outcome.status < 300) {
    const arrivedAt = ports.clock().toISOString();
    await ports.messages.recordArrival({ ...ids, sequence, arrivedAt, attempts });
    ports.log.info('Delivered', { ...ids, sequence, status: outcome.status, durationMs: outcome.durationMs, attempts });
    return;
  }
  const reason = describe(outcome);
  await ports.messages.recordFailedAttempt(header.messageId, transmission.id, reason);
  ports.log.warn('Delivery attempt failed', { ...ids, sequence, reason, durationMs: outcome.durationMs, attempts });
  throw new DeliveryFailedError(reason);
};
