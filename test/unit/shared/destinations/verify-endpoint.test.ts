import { Webhook } from 'standardwebhooks';
import { newId, newSigningSecret } from '../../../../lambdas/shared/domain/ids';
import type { Destination, UnverifiedDestination } from '../../../../lambdas/shared/domain/model';
import {
  judgeChallengeAnswer,
  VERIFICATION_TYPE,
  verifyEndpoint,
} from '../../../../lambdas/shared/destinations/verify-endpoint';
import type { DeliveryOutcome, DeliveryRequest } from '../../../../lambdas/shared/ports/deliverer';
import { MemoryDestinationVerifications } from '../../../fixtures/memory-verifications';

const NOW = new Date('2026-01-01T00:00:00.000Z');

const unverified = (): UnverifiedDestination => ({
  id: newId('destination'),
  organizationId: newId('organization'),
  name: 'Lab',
  url: 'https://receiver.example/hook',
  timeoutMs: 5000,
  inlineRetries: 0,
  signingSecret: newSigningSecret(),
  createdAt: NOW.toISOString(),
  verify: true,
  status: 'unverified',
  queueUrl: 'https://sqs.example/q.fifo',
  queueArn: 'arn:aws:sqs:eu-west-1:1:q.fifo',
  mappingId: 'mapping-1',
});

/** The use case over a memory store, with an endpoint that answers `answer(request)`. */
const harness = (answer: (request: DeliveryRequest, challenge: string) => DeliveryOutcome) => {
  const destination = unverified();
  const destinations = new Map<string, Destination>([[destination.id, destination]]);
  const verifications = new MemoryDestinationVerifications({ destinations });
  const requests: DeliveryRequest[] = [];
  const warnings: Array<Record<string, unknown>> = [];
  const ports = {
    verifications,
    clock: () => NOW,
    log: {
      debug: () => undefined,
      info: () => undefined,
      warn: (_message: string, fields: Record<string, unknown>) => void warnings.push(fields),
      error: () => undefined,
    },
    deliverer: {
      post: async (request: DeliveryRequest) => {
        requests.push(request);
        const { challenge } = JSON.parse(Buffer.from(request.body).toString('utf8')) as { challenge: string };
        return answer(request, challenge);
      },
    },
  };
  return { destination, destinations, verifications, requests, warnings, ports };
};

const echo = (challenge: string): DeliveryOutcome => ({
  kind: 'answered',
  status: 200,
  durationMs: 3,
  responseExcerpt: JSON.stringify({ challenge }),
});

describe('verifyEndpoint', () => {
  it('POSTs a signed challenge and makes the destination active when the endpoint echoes it', async () => {
    // Prepare
    const { destination, destinations, verifications, requests, ports } = harness((_request, challenge) =>
      echo(challenge),
    );

    // Act
    const result = await verifyEndpoint(destination, ports, 20_000);

    // Assess
    expect(result).toEqual({ outcome: 'verified' });
    expect(destinations.get(destination.id)?.status).toBe('active');
    expect(verifications.desired).toEqual([{ destinationId: destination.id, desired: 'enabled' }]);
    const [request] = requests;
    expect(request?.url).toBe(destination.url);
    expect(request?.timeoutMs).toBe(5000);
    const body = Buffer.from(request!.body).toString('utf8');
    const sent = JSON.parse(body) as { type: string; challenge: string };
    expect(sent.type).toBe(VERIFICATION_TYPE);
    expect(Buffer.from(sent.challenge, 'base64url')).toHaveLength(32);
    expect(request?.headers['webhook-id']).toMatch(/^verify_[0-9A-HJKMNP-TV-Z]{26}$/);
    // Signed like any delivery, with the destination's secret, at the (fake) clock's time.
    const webhookId = request!.headers['webhook-id']!;
    expect(request?.headers['webhook-timestamp']).toBe(String(NOW.getTime() / 1000));
    expect(request?.headers['webhook-signature']).toBe(
      new Webhook(destination.signingSecret).sign(webhookId, NOW, body),
    );
  });

  it('waits at most maxWaitMs, whatever the destination timeout', async () => {
    const { destination, requests, ports } = harness((_request, challenge) => echo(challenge));

    await verifyEndpoint(destination, ports, 2000);

    expect(requests[0]?.timeoutMs).toBe(2000);
  });

  it.each<[string, (challenge: string) => DeliveryOutcome, string]>([
    [
      'a wrong token',
      () => ({ kind: 'answered', status: 200, durationMs: 1, responseExcerpt: '{"challenge":"other"}' }),
      'challenge_mismatch',
    ],
    ['a 2xx without a body', () => ({ kind: 'answered', status: 204, durationMs: 1 }), 'not_json'],
    [
      'a body that is not JSON',
      (challenge) => ({ kind: 'answered', status: 200, durationMs: 1, responseExcerpt: `challenge=${challenge}` }),
      'not_json',
    ],
    [
      'a JSON array',
      (challenge) => ({ kind: 'answered', status: 200, durationMs: 1, responseExcerpt: JSON.stringify([challenge]) }),
      'not_json',
    ],
    ['a non-2xx echoing the token', (challenge) => ({ ...echo(challenge), status: 404 }), 'http_error 404'],
    [
      'a timeout',
      () => ({ kind: 'unreachable', reason: 'timeout', phase: 'headers', durationMs: 5000 }),
      'timeout (headers)',
    ],
    [
      'a refused connection',
      () => ({ kind: 'unreachable', reason: 'connection', code: 'ECONNREFUSED', durationMs: 1 }),
      'connection_error (ECONNREFUSED)',
    ],
    ['a refused address', () => ({ kind: 'unreachable', reason: 'address_refused', durationMs: 0 }), 'address_refused'],
  ])('keeps the destination unverified and records the reason for %s', async (_case, answer, reason) => {
    // Prepare
    const { destination, destinations, verifications, warnings, ports } = harness((_request, challenge) =>
      answer(challenge),
    );

    // Act
    const result = await verifyEndpoint(destination, ports, 20_000);

    // Assess
    expect(result).toEqual({ outcome: 'failed', reason, at: NOW.toISOString() });
    const stored = destinations.get(destination.id);
    expect(stored?.status).toBe('unverified');
    expect(stored?.status === 'unverified' && stored.verification).toEqual({
      lastAttemptAt: NOW.toISOString(),
      lastError: reason,
    });
    expect(verifications.desired).toEqual([]);
    // The log names the reason, never the token or the answer.
    expect(JSON.stringify(warnings)).not.toContain('challenge"');
    expect(warnings).toEqual([{ destinationId: destination.id, reason, recorded: true }]);
  });

  it('records nothing when the URL changed while the endpoint answered', async () => {
    // Prepare: a PATCH of the URL lands while the old endpoint answers.
    const { destination, destinations, ports } = harness((_request, challenge) => {
      destinations.set(destination.id, { ...destination, url: 'https://elsewhere.example/hook' });
      return echo(challenge);
    });

    // Act
    const result = await verifyEndpoint(destination, ports, 20_000);

    // Assess
    expect(result).toEqual({ outcome: 'changed' });
    expect(destinations.get(destination.id)?.status).toBe('unverified');
  });
});

describe('judgeChallengeAnswer', () => {
  it('accepts other fields next to the echoed challenge, and any 2xx', () => {
    expect(
      judgeChallengeAnswer({ kind: 'answered', status: 201, responseExcerpt: '{"ok":true,"challenge":"abc"}' }, 'abc'),
    ).toBeUndefined();
  });

  it('refuses a challenge of another type than a string', () => {
    expect(judgeChallengeAnswer({ kind: 'answered', status: 200, responseExcerpt: '{"challenge":1}' }, '1')).toBe(
      'challenge_mismatch',
    );
  });
});
