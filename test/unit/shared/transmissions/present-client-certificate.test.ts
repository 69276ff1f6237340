import type { AttemptOutcome } from '../../../../lambdas/shared/domain/failures';
import type { ClientCertificate, PreviousClientCertificate } from '../../../../lambdas/shared/domain/model';
import type { DeliveryOutcome, DeliveryRequest } from '../../../../lambdas/shared/ports/deliverer';
import {
  mayBeClientCertificateRefusal,
  postPresentingClientCertificate,
} from '../../../../lambdas/shared/transmissions/present-client-certificate';
import { makeClientCertificates } from '../../../fixtures/client-certificates';

const clients = makeClientCertificates();
const now = new Date('2026-11-30T10:00:00.000Z');
const request = { url: 'https://lab.example/hook', body: '{}', headers: {}, timeoutMs: 5000 };
const refused: DeliveryOutcome = { kind: 'unreachable', reason: 'connection', code: 'ECONNRESET', durationMs: 40 };
const delivered: DeliveryOutcome = { kind: 'answered', status: 200, durationMs: 30 };

/** A deliverer answering `outcomes` in turn, recording each request. */
const scripted = (...outcomes: DeliveryOutcome[]) => {
  const requests: DeliveryRequest[] = [];
  return {
    requests,
    post: async (posted: DeliveryRequest) => {
      requests.push(posted);
      return outcomes.shift() ?? delivered;
    },
  };
};
const log = { debug: jest.fn(), info: jest.fn(), warn: jest.fn(), error: jest.fn() };

beforeEach(() => jest.clearAllMocks());

describe('mayBeClientCertificateRefusal', () => {
  it.each([
    'ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED',
    'ERR_SSL_TLSV1_ALERT_UNKNOWN_CA',
    'ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE',
    'ERR_SSL_SSLV3_ALERT_CERTIFICATE_EXPIRED',
    'ERR_SSL_SSL/TLS_ALERT_CERTIFICATE_EXPIRED',
    'ERR_SSL_SSL/TLS_ALERT_BAD_CERTIFICATE',
    'ERR_SSL_TLSV1_ALERT_ACCESS_DENIED',
    'EPROTO',
    'ECONNRESET',
    'EPIPE',
  ])('takes connection error %s as one', (code) => {
    expect(mayBeClientCertificateRefusal({ kind: 'unreachable', reason: 'connection', code })).toBe(true);
  });

  it.each<[string, AttemptOutcome]>([
    ['an HTTP answer, 400 included', { kind: 'answered', status: 400 }],
    ['a timeout', { kind: 'unreachable', reason: 'timeout', phase: 'tls' }],
    ['a refused connection', { kind: 'unreachable', reason: 'connection', code: 'ECONNREFUSED' }],
    [
      'a server certificate the destination does not trust',
      { kind: 'unreachable', reason: 'connection', code: 'CERT_HAS_EXPIRED' },
    ],
    ['a connection error without a code', { kind: 'unreachable', reason: 'connection' }],
  ])('does not take %s as one', (_name, outcome) => {
    expect(mayBeClientCertificateRefusal(outcome)).toBe(false);
  });
});

// Skipped only where the machine has no `openssl` to make certificates with.
(clients ? describe : describe.skip)('postPresentingClientCertificate', () => {
  const current: ClientCertificate = { chain: clients!.b.chain, key: clients!.b.key };
  const previous = (validUntil: string): PreviousClientCertificate => ({
    chain: clients!.a.chain,
    key: clients!.a.key,
    validUntil,
  });
  const inOverlap = previous('2026-12-07T10:00:00.000Z');
  const destination = { id: 'dst_1', clientCertificate: current, previousClientCertificate: inOverlap, caBundle: 'CA' };

  it('presents the current certificate and trusts the CA bundle', async () => {
    const deliverer = scripted(delivered);
    expect(await postPresentingClientCertificate(deliverer, destination, request, now, log)).toEqual(delivered);
    expect(deliverer.requests).toEqual([{ ...request, tls: { clientCertificate: current, caBundle: 'CA' } }]);
  });

  it('sends no TLS settings for a destination without any', async () => {
    const deliverer = scripted(delivered);
    await postPresentingClientCertificate(deliverer, { id: 'dst_1' }, request, now, log);
    expect(deliverer.requests).toEqual([request]);
  });

  it('tries again at once with the replaced certificate inside its overlap, within what is left of the time', async () => {
    const deliverer = scripted(refused, delivered);
    expect(await postPresentingClientCertificate(deliverer, destination, request, now, log)).toEqual({
      ...delivered,
      durationMs: 70,
    });
    expect(deliverer.requests).toEqual([
      { ...request, tls: { clientCertificate: current, caBundle: 'CA' } },
      {
        ...request,
        timeoutMs: 4960,
        tls: { clientCertificate: { chain: inOverlap.chain, key: inOverlap.key }, caBundle: 'CA' },
      },
    ]);
    // Fingerprints only: never a PEM or a key.
    expect(log.warn).toHaveBeenCalledWith(expect.any(String), {
      destinationId: 'dst_1',
      refused: 'ECONNRESET',
      clientCertificateSha256: clients!.b.fingerprint256,
      previousClientCertificateSha256: clients!.a.fingerprint256,
      previousValidUntil: inOverlap.validUntil,
    });
    expect(JSON.stringify(log.warn.mock.calls)).not.toMatch(/BEGIN/);
  });

  it('answers the second attempt’s failure when the replaced certificate is refused too', async () => {
    const deliverer = scripted(refused, { ...refused, durationMs: 10 });
    expect(await postPresentingClientCertificate(deliverer, destination, request, now, log)).toEqual({
      ...refused,
      durationMs: 50,
    });
    expect(deliverer.requests).toHaveLength(2);
  });

  it.each<[string, Partial<typeof destination>, DeliveryOutcome]>([
    ['after the overlap', { previousClientCertificate: previous(now.toISOString()) }, refused],
    ['without a replaced certificate', { previousClientCertificate: undefined }, refused],
    ['on an HTTP answer', {}, { kind: 'answered', status: 403, durationMs: 5 }],
    ['on a timeout', {}, { kind: 'unreachable', reason: 'timeout', phase: 'headers', durationMs: 5000 }],
    ['when the attempt used up its time', {}, { ...refused, durationMs: 5000 }],
  ])('does not try again %s', async (_name, change, outcome) => {
    const deliverer = scripted(outcome);
    expect(await postPresentingClientCertificate(deliverer, { ...destination, ...change }, request, now, log)).toEqual(
      outcome,
    );
    expect(deliverer.requests).toHaveLength(1);
    expect(log.warn).not.toHaveBeenCalled();
  });
});
