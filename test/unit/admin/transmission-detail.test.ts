import { describeTransmission } from '../../../lambdas/admin/transmission-detail';
import { newId, transmissionIdOf } from '../../../lambdas/shared/domain/ids';
import type { Message, RecordedAttempt } from '../../../lambdas/shared/domain/model';
import { MemoryMessageStore } from '../../fixtures/memory-store';

const destinationId = newId('destination');

const setUp = async () => {
  const messages = new MemoryMessageStore();
  const id = newId('message');
  const message: Message = {
    id,
    sourceId: 'src_1',
    organizationId: 'org_1',
    receivedAt: '2026-01-01T00:00:00.000Z',
    dataModel: 'Results',
    eventType: 'New',
    transmissions: [{ id: transmissionIdOf(id, 0), destinationId, status: 'queued', attempts: 0 }],
  };
  await messages.commitMessage(message);
  return { messages, message, transmissionId: transmissionIdOf(id, 0) };
};

const failure = (attempt: number): RecordedAttempt => ({
  attempt,
  at: new Date(Date.UTC(2026, 0, 1, 0, attempt)).toISOString(),
  outcome: 'http_error',
  status: 503,
  durationMs: 40 + attempt,
  responseExcerpt: `busy ${attempt}`,
});

describe('describeTransmission', () => {
  it('answers a waiting transmission with its failed attempts, newest last', async () => {
    const { messages, message, transmissionId } = await setUp();
    await messages.recordFailedAttempt(message.id, transmissionId, 'HTTP 503', failure(1));
    await messages.recordFailedAttempt(message.id, transmissionId, 'timeout', {
      attempt: 2,
      at: '2026-01-01T00:05:00.000Z',
      outcome: 'timeout',
      durationMs: 5000,
    });

    expect(await describeTransmission(transmissionId, { messages })).toEqual({
      id: transmissionId,
      messageId: message.id,
      destinationId,
      status: 'queued',
      attempts: 2,
      attemptLog: [
        {
          at: '2026-01-01T00:01:00.000Z',
          outcome: 'http_error',
          status: 503,
          durationMs: 41,
          responseExcerpt: 'busy 1',
        },
        { at: '2026-01-01T00:05:00.000Z', outcome: 'timeout', durationMs: 5000 },
      ],
    });
  });

  it('ends a delivered transmission’s log with the delivering attempt its arrival recorded', async () => {
    const { messages, message, transmissionId } = await setUp();
    await messages.recordFailedAttempt(message.id, transmissionId, 'HTTP 503', failure(1));
    await messages.recordArrival({
      destinationId,
      messageId: message.id,
      transmissionId,
      sequence: 7,
      arrivedAt: '2026-01-01T00:09:00.000Z',
      attempts: 2,
      status: 200,
      durationMs: 12,
      responseExcerpt: 'accepted',
    });

    const detail = await describeTransmission(transmissionId, { messages });

    expect(detail).toMatchObject({
      status: 'delivered',
      sequence: 7,
      arrivedAt: '2026-01-01T00:09:00.000Z',
      attempts: 2,
    });
    expect(detail.attemptLog).toEqual([
      { at: '2026-01-01T00:01:00.000Z', outcome: 'http_error', status: 503, durationMs: 41, responseExcerpt: 'busy 1' },
      {
        at: '2026-01-01T00:09:00.000Z',
        outcome: 'delivered',
        status: 200,
        durationMs: 12,
        responseExcerpt: 'accepted',
      },
    ]);
  });

  it('shows the last 50 attempts of a long series', async () => {
    const { messages, message, transmissionId } = await setUp();
    for (let attempt = 1; attempt <= 55; attempt++)
      await messages.recordFailedAttempt(message.id, transmissionId, 'HTTP 503', failure(attempt));

    const detail = await describeTransmission(transmissionId, { messages });

    expect(detail.attempts).toBe(55);
    expect(detail.attemptLog).toHaveLength(50);
    expect(detail.attemptLog[0]!.responseExcerpt).toBe('busy 6');
    expect(detail.attemptLog.at(-1)!.responseExcerpt).toBe('busy 55');
  });

  it('logs an attempt recorded twice (a write retried) once', async () => {
    const { messages, message, transmissionId } = await setUp();
    await messages.recordFailedAttempt(message.id, transmissionId, 'HTTP 503', failure(1));
    await messages.recordFailedAttempt(message.id, transmissionId, 'HTTP 503', failure(1));

    const detail = await describeTransmission(transmissionId, { messages });

    expect(detail.attempts).toBe(1);
    expect(detail.attemptLog).toHaveLength(1);
  });

  it.each([
    ['an unknown transmission of a known message', (id: string) => id.replace(/_0$/, '_1')],
    ['an unknown message', () => transmissionIdOf(newId('message'), 0)],
    ['a malformed id', () => 'trn_nope'],
    ['a message id', (id: string) => `msg_${id.slice(4, 30)}`],
  ])('answers 404 transmission_not_found for %s', async (_case, idOf) => {
    const { messages, transmissionId } = await setUp();

    await expect(describeTransmission(idOf(transmissionId), { messages })).rejects.toMatchObject({
      statusCode: 404,
      code: 'transmission_not_found',
    });
  });
});
