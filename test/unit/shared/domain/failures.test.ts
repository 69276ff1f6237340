import {
  DEFAULT_PROBE_LADDER_SECONDS,
  describeOutcome,
  faultOf,
  inlineRetryDelayMs,
  isRefusal,
  parseLadder,
  probeDelaySeconds,
} from '../../../../lambdas/shared/domain/failures';

const answered = (status: number, retryAfter?: string) => ({
  kind: 'answered' as const,
  status,
  ...(retryAfter ? { retryAfter } : {}),
});

describe('fault attribution', () => {
  // The contract's "Alerts": the data refused → the sending organization; the endpoint or its
  // configuration failed → the destination's organization. Refusals (any 4xx but 408/429) are not
  // retried inline, whoever is at fault.
  it.each([
    [answered(400), 'sender', true],
    [answered(409), 'sender', true],
    [answered(413), 'sender', true],
    [answered(415), 'sender', true],
    [answered(422), 'sender', true],
    [answered(401), 'destination', true],
    [answered(403), 'destination', true],
    [answered(404), 'destination', true],
    [answered(405), 'destination', true],
    [answered(410), 'destination', true],
    [answered(402), 'destination', true],
    [answered(418), 'destination', true],
    [answered(451), 'destination', true],
    [answered(408), 'destination', false],
    [answered(429), 'destination', false],
    [answered(500), 'destination', false],
    [answered(503), 'destination', false],
    [answered(302), 'destination', false],
    [{ kind: 'unreachable' as const, reason: 'timeout' as const }, 'destination', false],
    [{ kind: 'unreachable' as const, reason: 'connection' as const }, 'destination', false],
  ])('%j is the fault of the %s (refusal: %s)', (outcome, fault, refusal) => {
    expect(faultOf(outcome)).toBe(fault);
    expect(isRefusal(outcome)).toBe(refusal);
  });

  it('describes outcomes without any payload', () => {
    expect(describeOutcome(answered(503))).toBe('HTTP 503');
    expect(describeOutcome({ kind: 'unreachable', reason: 'timeout' })).toBe('timeout');
    expect(describeOutcome({ kind: 'unreachable', reason: 'connection' })).toBe('connection error');
    expect(describeOutcome({ kind: 'unreachable', reason: 'address_refused' })).toMatch(/^refused: .*address/);
  });

  it('names the phase a timeout cut short and the code of a connection error', () => {
    expect(describeOutcome({ kind: 'unreachable', reason: 'timeout', phase: 'tls' })).toBe('timeout (TLS handshake)');
    expect(describeOutcome({ kind: 'unreachable', reason: 'timeout', phase: 'body' })).toBe(
      "timeout (reading the answer's body)",
    );
    expect(describeOutcome({ kind: 'unreachable', reason: 'connection', code: 'CERT_HAS_EXPIRED' })).toBe(
      'connection error (CERT_HAS_EXPIRED)',
    );
  });

  it('blames the destination when its host resolves to an address deliveries may not reach', () => {
    expect(faultOf({ kind: 'unreachable', reason: 'address_refused' })).toBe('destination');
  });
});

describe('inlineRetryDelayMs', () => {
  const now = new Date('2026-11-26T10:00:00Z');

  it('doubles the backoff without Retry-After', () => {
    expect([0, 1, 2].map((retry) => inlineRetryDelayMs(answered(503), retry, 1000, 5000, now))).toEqual([
      1000, 2000, 4000,
    ]);
  });

  it('honours Retry-After in seconds or as an HTTP date, within the cap', () => {
    expect(inlineRetryDelayMs(answered(429, '3'), 0, 1000, 5000, now)).toBe(3000);
    expect(inlineRetryDelayMs(answered(429, '3600'), 0, 1000, 5000, now)).toBe(5000);
    expect(inlineRetryDelayMs(answered(503, 'Thu, 26 Nov 2026 10:00:02 GMT'), 0, 1000, 5000, now)).toBe(2000);
    expect(inlineRetryDelayMs(answered(503, 'Thu, 26 Nov 2026 09:00:00 GMT'), 0, 1000, 5000, now)).toBe(0);
  });

  it('ignores a Retry-After it cannot read', () => {
    expect(inlineRetryDelayMs(answered(503, 'soon'), 1, 1000, 5000, now)).toBe(2000);
  });
});

describe('probe ladder', () => {
  it('starts within seconds and settles at ten minutes', () => {
    const delays = [...Array(12).keys()].map((step) => probeDelaySeconds(DEFAULT_PROBE_LADDER_SECONDS, step));
    expect(delays.slice(0, 4)).toEqual([5, 10, 10, 20]);
    expect(delays.slice(-3)).toEqual([600, 600, 600]);
    expect(Math.max(...delays)).toBeLessThanOrEqual(600);
  });

  it('parses a configured ladder and refuses a malformed one', () => {
    expect(parseLadder('1, 2,3')).toEqual([1, 2, 3]);
    expect(() => parseLadder('1,x')).toThrow(/comma-separated/);
    expect(() => parseLadder('1,-2')).toThrow(/comma-separated/);
    // A blank rung would read as 0 seconds: a probe on every pass for the whole pause.
    expect(() => parseLadder('5,10,')).toThrow(/comma-separated/);
    expect(() => parseLadder('5, ,10')).toThrow(/comma-separated/);
  });
});
