/**
 * mTLS and private CAs per destination: the request fields, the checks a certificate, key and CA
 * bundle must pass (node:crypto parses them as the TLS stack will), and what the API shows of
 * them (a summary, never the PEM text).
 */
import { createPrivateKey, type KeyObject, X509Certificate } from 'node:crypto';
import * as z from 'zod/mini';
import { invalidRequest } from './errors';
import type { ClientCertificate, DestinationSettings } from './model';

/**
 * Size caps, in characters (PEM is ASCII: the same in bytes). A leaf, two intermediates and an RSA
 * 4096 key each fit in 16 KiB; a CA bundle of a dozen roots in 64 KiB. With the previous pair the
 * three stay far under DynamoDB's 400 KB item (the destination's item holds them).
 */
export const CLIENT_CERTIFICATE_LIMITS = {
  certificateChars: 16_384,
  keyChars: 16_384,
  caBundleChars: 65_536,
} as const;

/**
 * How long (s) a replaced client certificate is still presented when the endpoint refuses the new
 * one: a week unless asked (time for a hospital's change window), at most 30 days, 0 for none.
 */
export const CERTIFICATE_OVERLAP_LIMITS_SECONDS = { default: 604_800, max: 2_592_000 } as const;

/** The extended key usage a client certificate needs when it names any (RFC 5280 §4.2.1.12: id-kp-clientAuth). */
const CLIENT_AUTH_OID = '1.3.6.1.5.5.7.3.2';

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g;

const pem = (max: number) =>
  z
    .string({ error: (issue) => (issue.input === undefined ? 'is required' : 'must be a string (PEM)') })
    .check(z.minLength(1, 'must not be empty'), z.maxLength(max, `must be at most ${max} characters`));

/** The fields of a destination's creation (`POST …/destinations`) for mTLS and a private CA. */
export const certificateRequestFields = {
  clientCertificate: z.optional(pem(CLIENT_CERTIFICATE_LIMITS.certificateChars)),
  clientKey: z.optional(pem(CLIENT_CERTIFICATE_LIMITS.keyChars)),
  caBundle: z.optional(pem(CLIENT_CERTIFICATE_LIMITS.caBundleChars)),
};

/**
 * The same fields on `PATCH /v1/admin/destinations/{id}`: `null` removes (`clientCertificate: null`
 * mTLS, `caBundle: null` the private CA), and `clientCertificateOverlapSeconds` (with a new pair)
 * says how long the replaced pair is still presented.
 */
export const certificateUpdateFields = {
  clientCertificate: z.optional(z.nullable(pem(CLIENT_CERTIFICATE_LIMITS.certificateChars))),
  clientKey: z.optional(z.nullable(pem(CLIENT_CERTIFICATE_LIMITS.keyChars))),
  caBundle: z.optional(z.nullable(pem(CLIENT_CERTIFICATE_LIMITS.caBundleChars))),
  clientCertificateOverlapSeconds: z.optional(
    z
      .int({ error: 'must be an integer number of seconds' })
      .check(
        z.minimum(0, 'must be at least 0'),
        z.maximum(CERTIFICATE_OVERLAP_LIMITS_SECONDS.max, `must be at most ${CERTIFICATE_OVERLAP_LIMITS_SECONDS.max}`),
      ),
  ),
};

/** The certificate fields of a request, as the schemas above parse them. */
export interface CertificateRequest {
  readonly clientCertificate?: string | null;
  readonly clientKey?: string | null;
  readonly caBundle?: string | null;
  readonly clientCertificateOverlapSeconds?: number;
}

/** `request` without its certificate fields: those are stored as `certificateChangeOf` makes them, not as sent. */
export const withoutCertificateFields = <T extends CertificateRequest>(request: T) => {
  const { clientCertificate: _c, clientKey: _k, caBundle: _b, clientCertificateOverlapSeconds: _o, ...rest } = request;
  return rest;
};

/** What a creation or a change stores (`null`: remove). */
// A type, not an interface: the directory's change is a record of attribute names (`setOnly`).
export type CertificateChange = {
  readonly clientCertificate?: ClientCertificate | null;
  readonly previousClientCertificate?: DestinationSettings['previousClientCertificate'] | null;
  readonly caBundle?: string | null;
};

/** The PEM certificates of `text`; throws 400 naming `field` unless it holds certificates and nothing else. */
const certificatesOf = (field: string, text: string): X509Certificate[] => {
  const blocks = text.match(PEM_CERTIFICATE) ?? [];
  if (blocks.length === 0 || text.replace(PEM_CERTIFICATE, '').trim() !== '')
    throw invalidRequest(`${field} must hold PEM certificates (BEGIN CERTIFICATE blocks) and nothing else.`);
  return blocks.map((block, index) => {
    try {
      return new X509Certificate(block);
    } catch {
      throw invalidRequest(`${field} holds a certificate (number ${index + 1}) that does not parse as X.509.`);
    }
  });
};

const privateKeyOf = (text: string): KeyObject => {
  if (!text.trimStart().startsWith('-----BEGIN ') || /ENCRYPTED/.test(text))
    throw invalidRequest('clientKey must be an unencrypted PEM private key (PKCS#8, PKCS#1 or EC).');
  try {
    const key = createPrivateKey({ key: text, format: 'pem' });
    if (key.type === 'private') return key;
  } catch {
    // Answered below.
  }
  throw invalidRequest('clientKey must be an unencrypted PEM private key (PKCS#8, PKCS#1 or EC).');
};

/**
 * Checks a client certificate and its key as the TLS stack will use them: the chain parses (the
 * client's own certificate first), the key parses unencrypted and is the certificate's, the
 * certificate is valid at `now` (after notBefore, before notAfter) and may authenticate a client. Throws 400 `invalid_request`
 * naming the field.
 */
export const checkClientCertificate = (chain: string, key: string, now: Date): ClientCertificate => {
  const [leaf] = certificatesOf('clientCertificate', chain);
  const privateKey = privateKeyOf(key);
  if (!leaf!.checkPrivateKey(privateKey))
    throw invalidRequest("clientKey is not the private key of clientCertificate's first certificate.");
  if (Date.parse(leaf!.validTo) <= now.getTime())
    throw invalidRequest(`clientCertificate has expired (notAfter ${new Date(leaf!.validTo).toISOString()}).`);
  if (Date.parse(leaf!.validFrom) > now.getTime())
    throw invalidRequest(`clientCertificate is not valid yet (notBefore ${new Date(leaf!.validFrom).toISOString()}).`);
  const usages = leaf!.keyUsage;
  if (usages && usages.length > 0 && !usages.includes(CLIENT_AUTH_OID))
    throw invalidRequest(
      'clientCertificate is not for client authentication (its extended key usage lacks clientAuth).',
    );
  return { chain, key };
};

/** Checks a CA bundle: one or more PEM certificates, each parsing. Throws 400 `invalid_request` naming `caBundle`. */
export const checkCaBundle = (bundle: string): string => {
  certificatesOf('caBundle', bundle);
  return bundle;
};

/** The overlap end of a pair replaced at `now`, or null when there is nothing (or no time) to keep. */
const previousOf = (
  current: ClientCertificate | undefined,
  next: ClientCertificate | null,
  overlapSeconds: number,
  now: Date,
): CertificateChange['previousClientCertificate'] => {
  if (!current || !next || overlapSeconds === 0) return null;
  return { ...current, validUntil: new Date(now.getTime() + overlapSeconds * 1000).toISOString() };
};

/**
 * What a creation (`current` undefined) or a PATCH stores for the certificate fields of `request`.
 * A new pair replaces the current one, which is kept as `previousClientCertificate` for the overlap
 * (`clientCertificateOverlapSeconds`, default a week; 0 keeps none); the same pair again changes
 * nothing. `clientCertificate: null` removes mTLS, the previous pair included. Throws 400
 * `invalid_request` naming the field: a certificate without its key or the other way round, an
 * overlap without a new pair, or anything `checkClientCertificate`/`checkCaBundle` refuse.
 */
export const certificateChangeOf = (
  request: CertificateRequest,
  current: Pick<DestinationSettings, 'clientCertificate' | 'previousClientCertificate'> | undefined,
  now: Date,
): CertificateChange => {
  const { clientCertificate, clientKey, caBundle, clientCertificateOverlapSeconds } = request;
  const change: { -readonly [K in keyof CertificateChange]: CertificateChange[K] } = {};
  if (caBundle !== undefined) change.caBundle = caBundle === null ? null : checkCaBundle(caBundle);
  if (clientCertificate === null) {
    if (clientKey !== undefined && clientKey !== null)
      throw invalidRequest('clientKey must be absent (or null) when clientCertificate is null.');
    if (clientCertificateOverlapSeconds !== undefined)
      throw invalidRequest('clientCertificateOverlapSeconds needs a new clientCertificate and clientKey.');
    return { ...change, clientCertificate: null, previousClientCertificate: null };
  }
  if (clientCertificate === undefined) {
    if (clientKey !== undefined)
      throw invalidRequest('clientKey needs clientCertificate: send both (or clientCertificate: null to remove them).');
    if (clientCertificateOverlapSeconds !== undefined)
      throw invalidRequest('clientCertificateOverlapSeconds needs a new clientCertificate and clientKey.');
    return change;
  }
  if (clientKey === undefined || clientKey === null)
    throw invalidRequest('clientCertificate needs clientKey, its private key: send both.');
  const next = checkClientCertificate(clientCertificate, clientKey, now);
  const existing = current?.clientCertificate;
  if (existing && existing.chain === next.chain && existing.key === next.key) return change;
  const overlapSeconds = clientCertificateOverlapSeconds ?? CERTIFICATE_OVERLAP_LIMITS_SECONDS.default;
  const previous = previousOf(existing, next, overlapSeconds, now);
  // On a creation there is nothing to remove.
  return {
    ...change,
    clientCertificate: next,
    ...(current || previous ? { previousClientCertificate: previous } : {}),
  };
};

/** What the API shows of a client certificate: who it names, who issued it, when it ends, its SHA-256 fingerprint. */
export interface CertificateSummary {
  readonly subject: string;
  readonly issuer: string;
  /** ISO 8601. */
  readonly notAfter: string;
  /** Colon-separated upper-case hex, as `openssl x509 -fingerprint -sha256` prints it. */
  readonly fingerprintSha256: string;
}

const oneLine = (name: string) => name.split('\n').join(', ');

const summaryOf = (certificate: X509Certificate): CertificateSummary => ({
  subject: oneLine(certificate.subject),
  issuer: oneLine(certificate.issuer),
  notAfter: new Date(certificate.validTo).toISOString(),
  fingerprintSha256: certificate.fingerprint256,
});

/** The first certificate of a stored chain (checked when stored). */
const leafOf = (chain: string): X509Certificate => new X509Certificate(chain.match(PEM_CERTIFICATE)![0]);

/** The SHA-256 fingerprint of a stored pair's certificate (for logs: it identifies, it is no secret). */
export const fingerprintOf = (certificate: ClientCertificate): string => leafOf(certificate.chain).fingerprint256;

/**
 * The API's view of a destination's certificate settings, never the PEM text nor the key:
 * `clientCertificate` and `previousClientCertificate` (with its `validUntil`) as summaries, and
 * `caBundle` as its count and fingerprints. Fields without a setting are left out.
 */
export const certificateSummaries = (
  destination: Pick<DestinationSettings, 'clientCertificate' | 'previousClientCertificate' | 'caBundle'>,
) => {
  const { clientCertificate, previousClientCertificate, caBundle } = destination;
  const bundle =
    caBundle === undefined ? [] : (caBundle.match(PEM_CERTIFICATE) ?? []).map((c) => new X509Certificate(c));
  return {
    ...(clientCertificate ? { clientCertificate: summaryOf(leafOf(clientCertificate.chain)) } : {}),
    ...(previousClientCertificate
      ? {
          previousClientCertificate: {
            ...summaryOf(leafOf(previousClientCertificate.chain)),
            validUntil: previousClientCertificate.validUntil,
          },
        }
      : {}),
    ...(caBundle === undefined
      ? {}
      : { caBundle: { certificates: bundle.length, fingerprintsSha256: bundle.map((c) => c.fingerprint256) } }),
  };
};
