import { ApiError, notFound } from '../shared/domain/errors';
import { decodeEnvelope, encodeEnvelope } from '../shared/domain/envelope';
import { messageIdOfTransmission } from '../shared/domain/ids';
import { errorFields } from '../shared/logging';
import { probeDestination, resumeDestination } from '../shared/pauses';
import { type AdminPorts, describeDestination, requireDestination } from './directory-admin';

/** `POST /v1/admin/destinations/{id}/resume`: retries the head now; stays paused if it fails again. */
export const resumeNow = async (destinationId: string, ports: AdminPorts) => {
  const destination = await requireDestination(destinationId, ports.directory);
  if (destination.status === 'paused') {
    ports.log.info('Operator asked to resume', { destinationId });
    await probeDestination(destination, ports);
  }
  return describeDestination(destinationId, ports);
};

/**
 * `POST /v1/admin/destinations/{id}/skip`: parks the head of a paused destination (status
 * `skipped`, its queue entry kept for replay, its sequence number left unused so receivers see the
 * gap) and resumes the destination.
 */
export const skipHead = async (destinationId: string, ports: AdminPorts) => {
  const destination = await requireDestination(destinationId, ports.directory);
  if (destination.status !== 'paused') throw new ApiError(409, 'not_paused', 'The destination is not paused; only the head of a paused destination can be skipped.');
  const queueUrl = destination.queueUrl!;
  // The prober may hold the head for one attempt (at most the destination's timeout): wait for it.
  const deadline = Date.now() + Math.min(destination.timeoutMs + 3000, 20_000);
  let head = await ports.queues.receiveHead(queueUrl, 60);
  while (!head && Date.now() < deadline) {
    await ports.sleep(250);
    head = await ports.queues.receiveHead(queueUrl, 60);
  }
  if (!head) {
    throw new ApiError(409, 'head_in_flight', 'The head is being retried right now, or the queue is empty; try again in a few seconds.');
  }
  // That attempt may have succeeded and resumed the destination: then there is nothing to skip.
  if ((await ports.directory.getDestination(destinationId))?.status !== 'paused') {
    await ports.queues.release(queueUrl, [head.receiptHandle], 0);
    throw new ApiError(409, 'not_paused', 'The destination resumed while the skip waited for its head; nothing was skipped.');
  }
  const { header } = decodeEnvelope(head.body);
  try {
    await ports.messages.park(header.transmissionId, destinationId, head.body);
  } catch (error) {
    await ports.queues.release(queueUrl, [head.receiptHandle], 0);
    ports.log.error('Could not park the head', { destinationId, transmissionId: header.transmissionId, ...errorFields(error) });
    throw new ApiError(409, 'cannot_park', 'The head could not be kept for replay (too large for the store), so it was not skipped.');
  }
  await ports.messages.setTransmissionStatus(header.messageId, header.transmissionId, 'skipped', ['queued', 'paused']);
  await ports.queues.delete(queueUrl, head.receiptHandle);
  ports.log.warn('Operator skipped the head', { destinationId, messageId: header.messageId, transmissionId: header.transmissionId });
  await resumeDestination(destination, `an operator skipped transmission ${header.transmissionId}`, ports);
  return { skippedTransmissionId: header.transmissionId };
};

/**
 * `POST /v1/admin/transmissions/{id}/replay`: enqueues a skipped transmission again at the tail of
 * its destination. It keeps its transmission id (`webhook-id`) and gets a new sequence number when
 * it is delivered. Delivered transmissions cannot be replayed: their payloads are not kept.
 */
export const replayTransmission = async (transmissionId: string, ports: AdminPorts) => {
  const messageId = messageIdOfTransmission(transmissionId);
  const message = messageId === undefined ? undefined : await ports.messages.getMessage(messageId);
  const transmission = message === undefined || message === 'abandoned' ? undefined : message.transmissions.find((candidate) => candidate.id === transmissionId);
  if (!messageId || !transmission) throw notFound('transmission', transmissionId);
  if (transmission.status !== 'skipped') {
    throw new ApiError(409, 'not_replayable', `The transmission is ${transmission.status}; only skipped transmissions can be replayed (delivered payloads are not kept).`);
  }
  const parked = await ports.messages.getParked(transmissionId);
  const destination = await ports.directory.getDestination(transmission.destinationId);
  if (!parked || !destination?.queueUrl) throw new ApiError(409, 'not_replayable', 'The transmission\'s parked entry or its destination no longer exists.');
  const generation = await ports.messages.prepareReplay(messageId, transmissionId);
  if (generation === undefined) throw new ApiError(409, 'not_replayable', 'The transmission is no longer skipped.');
  const { header, rawData } = decodeEnvelope(parked.envelope);
  try {
    await ports.queues.send(destination.queueUrl, {
      groupId: destination.id,
      deduplicationId: `${transmissionId}-g${generation}`,
      body: encodeEnvelope({ ...header, generation }, rawData),
    });
  } catch (error) {
    await ports.messages.setTransmissionStatus(messageId, transmissionId, 'skipped', ['queued']);
    ports.log.error('Replay could not be enqueued', { transmissionId, destinationId: destination.id, ...errorFields(error) });
    throw new ApiError(503, 'not_accepted', 'The destination queue did not confirm the replay; retry.');
  }
  ports.log.info('Transmission replayed', { transmissionId, messageId, destinationId: destination.id, generation });
  return { transmissionId, destinationId: destination.id, status: 'queued' as const };
};
