import { X509Certificate } from 'node:crypto';
import { ApiError } from '../../../../lambdas/shared/domain/errors';
import {
  CERTIFICATE_OVERLAP_LIMITS_SECONDS,
  certificateChangeOf,
  certificateSummaries,
  withoutCertificateFields,
} from '../../../../lambdas/shared/domain/client-certificates';
import {
  destinationRequestSchema,
  destinationUpdateSchema,
  parseRequest,
} from '../../../../lambdas/shared/domain/schemas';
import { makeMtlsCertificates } from '../../../fixtures/client-certificates';

const certificates = makeMtlsCertificates();
const now = new Date();

/** The 400 a call answers with: its code and message. */
const refusal = (call: () => unknown) => {
  try {
    call();
  } catch (error) {
    if (error instanceof ApiError) return { status: error.statusCode, code: error.code, message: error.message };
    throw error;
  }
  throw new Error('Expected a refusal');
};

describe('the certificate fields of a destination request (schemas)', () => {
  const create = { name: 'Lab', url: 'https://lab.example.org/hook' };

  it.each([
    ['clientCertificate', { clientCertificate: 42 }, 'clientCertificate must be a string (PEM).'],
    ['clientKey', { clientKey: '' }, 'clientKey must not be empty.'],
    ['caBundle', { caBundle: 'x'.repeat(65_537) }, 'caBundle must be at most 65536 characters.'],
    [
      'clientCertificate',
      { clientCertificate: 'x'.repeat(16_385) },
      'clientCertificate must be at most 16384 characters.',
    ],
    ['clientKey', { clientKey: 'x'.repeat(16_385) }, 'clientKey must be at most 16384 characters.'],
  ])('refuses a wrong %s on a creation', (_field, fields, message) => {
    expect(refusal(() => parseRequest(destinationRequestSchema, { ...create, ...fields }))).toEqual({
      status: 400,
      code: 'invalid_request',
      message,
    });
  });

  it('refuses an overlap on a creation (nothing to overlap with)', () => {
    expect(
      refusal(() => parseRequest(destinationRequestSchema, { ...create, clientCertificateOverlapSeconds: 60 })).message,
    ).toBe('clientCertificateOverlapSeconds is not a known field.');
  });

  it.each([
    [{ clientCertificateOverlapSeconds: -1 }, 'clientCertificateOverlapSeconds must be at least 0.'],
    [{ clientCertificateOverlapSeconds: 2_592_001 }, 'clientCertificateOverlapSeconds must be at most 2592000.'],
    [{ clientCertificateOverlapSeconds: 1.5 }, 'clientCertificateOverlapSeconds must be an integer number of seconds.'],
    [{ caBundle: false }, 'caBundle must be a string (PEM).'],
  ])('refuses %j on a PATCH', (body, message) => {
    expect(refusal(() => parseRequest(destinationUpdateSchema, body)).message).toBe(message);
  });

  it('takes null on a PATCH as a removal', () => {
    expect(parseRequest(destinationUpdateSchema, { clientCertificate: null, caBundle: null })).toEqual({
      clientCertificate: null,
      caBundle: null,
    });
  });
});

// Skipped only where the machine has no `openssl` to make certificates with.
(certificates ? describe : describe.skip)('certificateChangeOf: the checks', () => {
  const { server, clients } = certificates!;
  const check = (request: Parameters<typeof certificateChangeOf>[0]) => certificateChangeOf(request, undefined, now);

  it('accepts a pair and a CA bundle, as given', () => {
    expect(check({ clientCertificate: clients.a.chain, clientKey: clients.a.key, caBundle: server.ca })).toEqual({
      clientCertificate: { chain: clients.a.chain, key: clients.a.key },
      caBundle: server.ca,
    });
  });

  it.each([
    ['an EC key in PKCS#8', () => clients.a.chain, () => clients.a.key],
    ['an EC key in SEC1', () => clients.a.chain, () => clients.aSec1Key],
    ['an RSA key in PKCS#1', () => clients.rsa.chain, () => clients.rsa.key],
    ['a chain with its issuer after it', () => `${clients.a.chain}${clients.caA}`, () => clients.a.key],
  ])('accepts %s', (_name, chain, key) => {
    expect(check({ clientCertificate: chain(), clientKey: key() }).clientCertificate).toBeDefined();
  });

  it('accepts a CA bundle of several certificates', () => {
    const bundle = `${server.ca}\n${clients.caA}`;
    expect(check({ caBundle: bundle })).toEqual({ caBundle: bundle });
  });

  const pair = (chain: string, key: string) => ({ clientCertificate: chain, clientKey: key });
  it.each([
    [
      'a certificate that is not PEM',
      () => pair('not a certificate', clients.a.key),
      'clientCertificate must hold PEM certificates (BEGIN CERTIFICATE blocks) and nothing else.',
    ],
    [
      'a certificate with its key pasted after it',
      () => pair(`${clients.a.chain}${clients.a.key}`, clients.a.key),
      'clientCertificate must hold PEM certificates (BEGIN CERTIFICATE blocks) and nothing else.',
    ],
    [
      'a certificate block that is not X.509',
      () => pair('-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n', clients.a.key),
      'clientCertificate holds a certificate (number 1) that does not parse as X.509.',
    ],
    [
      'a key that is not PEM',
      () => pair(clients.a.chain, 'MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg'),
      'clientKey must be an unencrypted PEM private key (PKCS#8, PKCS#1 or EC).',
    ],
    [
      'an encrypted key',
      () => pair(clients.a.chain, clients.aEncryptedKey),
      'clientKey must be an unencrypted PEM private key (PKCS#8, PKCS#1 or EC).',
    ],
    [
      'a certificate given as the key',
      () => pair(clients.a.chain, clients.a.chain),
      'clientKey must be an unencrypted PEM private key (PKCS#8, PKCS#1 or EC).',
    ],
    [
      'the key of another certificate',
      () => pair(clients.a.chain, clients.b.key),
      "clientKey is not the private key of clientCertificate's first certificate.",
    ],
    [
      'a chain whose first certificate is not the key’s',
      () => pair(`${clients.caA}${clients.a.chain}`, clients.a.key),
      "clientKey is not the private key of clientCertificate's first certificate.",
    ],
    [
      'an expired certificate',
      () => pair(clients.expired.chain, clients.expired.key),
      /^clientCertificate has expired \(notAfter \d{4}-\d\d-\d\dT/,
    ],
    [
      'a certificate for servers only',
      () => pair(clients.serverOnly.chain, clients.serverOnly.key),
      'clientCertificate is not for client authentication (its extended key usage lacks clientAuth).',
    ],
    [
      'a certificate without its key',
      () => ({ clientCertificate: clients.a.chain }),
      'clientCertificate needs clientKey, its private key: send both.',
    ],
    [
      'a key without its certificate',
      () => ({ clientKey: clients.a.key }),
      'clientKey needs clientCertificate: send both (or clientCertificate: null to remove them).',
    ],
    [
      'a CA bundle that is not PEM',
      () => ({ caBundle: 'trust me' }),
      'caBundle must hold PEM certificates (BEGIN CERTIFICATE blocks) and nothing else.',
    ],
    [
      'a CA bundle with a key in it',
      () => ({ caBundle: `${server.ca}${clients.a.key}` }),
      'caBundle must hold PEM certificates (BEGIN CERTIFICATE blocks) and nothing else.',
    ],
    [
      'a CA bundle whose second certificate does not parse',
      () => ({ caBundle: `${server.ca}-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n` }),
      'caBundle holds a certificate (number 2) that does not parse as X.509.',
    ],
    [
      'an overlap without a new pair',
      () => ({ caBundle: server.ca, clientCertificateOverlapSeconds: 60 }),
      'clientCertificateOverlapSeconds needs a new clientCertificate and clientKey.',
    ],
    [
      'an overlap with a removal',
      () => ({ clientCertificate: null, clientCertificateOverlapSeconds: 60 }),
      'clientCertificateOverlapSeconds needs a new clientCertificate and clientKey.',
    ],
    [
      'a key with a removal',
      () => ({ clientCertificate: null, clientKey: clients.a.key }),
      'clientKey must be absent (or null) when clientCertificate is null.',
    ],
    [
      'a certificate with a null key',
      () => ({ clientCertificate: clients.a.chain, clientKey: null }),
      'clientCertificate needs clientKey, its private key: send both.',
    ],
  ])('refuses %s with 400 naming the field', (_name, request, message) => {
    const answer = refusal(() => check(request()));
    expect(answer).toMatchObject({ status: 400, code: 'invalid_request' });
    expect(answer.message).toMatch(message);
  });

  it('refuses a certificate that is not valid yet with 400 naming the field', () => {
    const beforeIssue = new Date(Date.parse(new X509Certificate(clients.a.chain).validFrom) - 86_400_000);
    const answer = refusal(() =>
      certificateChangeOf({ clientCertificate: clients.a.chain, clientKey: clients.a.key }, undefined, beforeIssue),
    );
    expect(answer).toMatchObject({ status: 400, code: 'invalid_request' });
    expect(answer.message).toMatch(/^clientCertificate is not valid yet \(notBefore \d{4}-\d\d-\d\dT/);
  });
});

(certificates ? describe : describe.skip)('certificateChangeOf: rotation with an overlap', () => {
  const { clients } = certificates!;
  const a = { chain: clients.a.chain, key: clients.a.key };
  const b = { chain: clients.b.chain, key: clients.b.key };
  const rotateTo = (pair: typeof a, overlap?: number) => ({
    clientCertificate: pair.chain,
    clientKey: pair.key,
    ...(overlap === undefined ? {} : { clientCertificateOverlapSeconds: overlap }),
  });

  it('keeps the replaced pair for a week unless told otherwise', () => {
    expect(certificateChangeOf(rotateTo(b), { clientCertificate: a }, now)).toEqual({
      clientCertificate: b,
      previousClientCertificate: {
        ...a,
        validUntil: new Date(now.getTime() + CERTIFICATE_OVERLAP_LIMITS_SECONDS.default * 1000).toISOString(),
      },
    });
  });

  it('keeps it for clientCertificateOverlapSeconds when given', () => {
    expect(certificateChangeOf(rotateTo(b, 3600), { clientCertificate: a }, now).previousClientCertificate).toEqual({
      ...a,
      validUntil: new Date(now.getTime() + 3_600_000).toISOString(),
    });
  });

  it('keeps none with an overlap of 0, removing one kept before', () => {
    const previous = { ...b, validUntil: now.toISOString() };
    expect(
      certificateChangeOf(rotateTo(b, 0), { clientCertificate: a, previousClientCertificate: previous }, now),
    ).toEqual({ clientCertificate: b, previousClientCertificate: null });
  });

  it('changes nothing when given the pair it already has (a repeated PATCH keeps the overlap)', () => {
    expect(certificateChangeOf(rotateTo(a), { clientCertificate: a }, now)).toEqual({});
  });

  it('records no previous pair on a destination that had none (and removes a stale one)', () => {
    expect(certificateChangeOf(rotateTo(a), {}, now)).toEqual({
      clientCertificate: a,
      previousClientCertificate: null,
    });
  });

  it('removes both pairs on clientCertificate: null', () => {
    const previous = { ...b, validUntil: now.toISOString() };
    expect(
      certificateChangeOf(
        { clientCertificate: null },
        { clientCertificate: a, previousClientCertificate: previous },
        now,
      ),
    ).toEqual({ clientCertificate: null, previousClientCertificate: null });
  });

  it('removes the CA bundle on caBundle: null, leaving the pairs', () => {
    expect(certificateChangeOf({ caBundle: null }, { clientCertificate: a }, now)).toEqual({ caBundle: null });
  });
});

(certificates ? describe : describe.skip)('certificateSummaries: what the API shows', () => {
  const { server, clients } = certificates!;

  it('shows who, by whom, until when and the fingerprint, never the PEM or the key', () => {
    const validUntil = now.toISOString();
    const shown = certificateSummaries({
      clientCertificate: { chain: clients.a.chain, key: clients.a.key },
      previousClientCertificate: { chain: clients.b.chain, key: clients.b.key, validUntil },
      caBundle: `${server.ca}${clients.caA}`,
    });
    expect(shown).toEqual({
      clientCertificate: {
        subject: 'CN=client-a, O=Sending Hospital',
        issuer: 'CN=Client caA',
        notAfter: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.000Z$/),
        fingerprintSha256: clients.a.fingerprint256,
      },
      previousClientCertificate: {
        subject: 'CN=client-b, O=Sending Hospital',
        issuer: 'CN=Client caB',
        notAfter: expect.any(String),
        fingerprintSha256: clients.b.fingerprint256,
        validUntil,
      },
      caBundle: {
        certificates: 2,
        fingerprintsSha256: [expect.stringMatching(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/), expect.any(String)],
      },
    });
    expect(JSON.stringify(shown)).not.toMatch(/BEGIN|PRIVATE|END/);
  });

  it('shows nothing for a destination without them', () => {
    expect(certificateSummaries({})).toEqual({});
  });
});

describe('withoutCertificateFields', () => {
  it('keeps the other settings and drops every certificate field as sent (they are stored as checked)', () => {
    expect(
      withoutCertificateFields({
        name: 'Lab',
        maxPerSecond: null,
        clientCertificate: 'PEM',
        clientKey: 'KEY',
        caBundle: null,
        clientCertificateOverlapSeconds: 0,
      }),
    ).toEqual({ name: 'Lab', maxPerSecond: null });
  });
});
