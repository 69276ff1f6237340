import {
  ATTEMPT_LOG_LIMIT,
  attemptEntry,
  attemptLog,
  attemptOutcomeOf,
} from '../../../../lambdas/shared/domain/attempt-log';
import type { RecordedAttempt } from '../../../../lambdas/shared/domain/model';

const failed = (attempt: number): RecordedAttempt => ({
  attempt,
  at: new Date(Date.UTC(2026, 0, 1, 0, 0, attempt)).toISOString(),
  outcome: 'http_error',
  status: 500,
  durationMs: attempt,
});

describe('attemptOutcomeOf', () => {
  it.each([
    [{ kind: 'answered', status: 200 }, 'delivered'],
    [{ kind: 'answered', status: 299 }, 'delivered'],
    [{ kind: 'answered', status: 301 }, 'http_error'],
    [{ kind: 'answered', status: 404 }, 'http_error'],
    [{ kind: 'answered', status: 503 }, 'http_error'],
    [{ kind: 'unreachable', reason: 'timeout' }, 'timeout'],
    [{ kind: 'unreachable', reason: 'connection' }, 'connection_error'],
    [{ kind: 'unreachable', reason: 'address_refused' }, 'address_refused'],
  ] as const)('names %j %s', (outcome, name) => {
    expect(attemptOutcomeOf(outcome)).toBe(name);
  });
});

describe('attemptEntry', () => {
  const at = new Date(Date.UTC(2026, 0, 1));

  it('says why an attempt without an answer failed: the timeout phase, the connection error code', () => {
    expect(attemptEntry({ kind: 'unreachable', reason: 'timeout', phase: 'headers' }, at, 300, undefined)).toEqual({
      at: at.toISOString(),
      outcome: 'timeout',
      reason: 'headers',
      durationMs: 300,
    });
    expect(
      attemptEntry({ kind: 'unreachable', reason: 'connection', code: 'ECONNREFUSED' }, at, 2, undefined),
    ).toMatchObject({
      outcome: 'connection_error',
      reason: 'ECONNREFUSED',
    });
  });

  it('has no reason for an answer (its status says it) or when none is known', () => {
    expect(attemptEntry({ kind: 'answered', status: 413 }, at, 5, undefined)).not.toHaveProperty('reason');
    expect(attemptEntry({ kind: 'unreachable', reason: 'connection' }, at, 5, undefined)).not.toHaveProperty('reason');
  });
});

describe('attemptLog', () => {
  it('puts the delivering attempt after the failed ones, in attempt order, without attempt numbers', () => {
    const log = attemptLog([failed(2), failed(1)], {
      transmissionId: 'trn_1',
      messageId: 'msg_1',
      sequence: 4,
      arrivedAt: '2026-01-01T00:01:00.000Z',
      attempts: 3,
      status: 200,
      durationMs: 9,
      responseExcerpt: 'ok',
    });

    expect(log).toEqual([
      { at: '2026-01-01T00:00:01.000Z', outcome: 'http_error', status: 500, durationMs: 1 },
      { at: '2026-01-01T00:00:02.000Z', outcome: 'http_error', status: 500, durationMs: 2 },
      { at: '2026-01-01T00:01:00.000Z', outcome: 'delivered', status: 200, durationMs: 9, responseExcerpt: 'ok' },
    ]);
  });

  it(`keeps the last ${ATTEMPT_LOG_LIMIT} attempts, the delivering one last`, () => {
    const failures = Array.from({ length: 60 }, (_, index) => failed(index + 1)).slice(-ATTEMPT_LOG_LIMIT);

    const log = attemptLog(failures, {
      transmissionId: 'trn_1',
      messageId: 'msg_1',
      sequence: 1,
      arrivedAt: '2026-01-01T01:00:00.000Z',
      attempts: 61,
      status: 204,
      durationMs: 3,
    });

    expect(log).toHaveLength(50);
    expect(log[0]!.durationMs).toBe(12);
    expect(log.at(-1)).toEqual({ at: '2026-01-01T01:00:00.000Z', outcome: 'delivered', status: 204, durationMs: 3 });
  });
});
