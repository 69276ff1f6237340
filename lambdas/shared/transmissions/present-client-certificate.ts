/**
 * Posting with a destination's TLS settings: its client certificate (mTLS) and CA bundle, and,
 * inside a rotation's overlap, the replaced certificate when the endpoint refuses the new one.
 */
import { fingerprintOf } from '../domain/client-certificates';
import type { AttemptOutcome } from '../domain/failures';
import type { ClientCertificate, DestinationSettings } from '../domain/model';
import type { Deliverer, DeliveryOutcome, DeliveryRequest, DeliveryTls } from '../ports/deliverer';
import type { Log } from '../ports/observe';

/** The alerts of the SSLv3 family a server may refuse a client certificate with (RFC 8446 §6.2 numbers). */
const SSLV3_FAMILY_ALERTS = [
  'BAD_CERTIFICATE', // 42
  'UNSUPPORTED_CERTIFICATE', // 43
  'CERTIFICATE_REVOKED', // 44
  'CERTIFICATE_EXPIRED', // 45
  'CERTIFICATE_UNKNOWN', // 46
  'HANDSHAKE_FAILURE', // 40
];

/**
 * The connection errors with which an endpoint may be refusing the client certificate, as Node.js
 * names them (measured on Node.js 20 with OpenSSL 3.0 and on Node.js 24, the functions' runtime,
 * with OpenSSL 3.5: see test/integration/http-deliverer-tls.test.ts). TLS 1.3 alerts from
 * OpenSSL-based servers (Apache httpd, HAProxy, `openssl s_server`) and Java: certificate required
 * (116), unknown CA (48), access denied (49), and the SSLv3 family above, which OpenSSL 3.0 names
 * `ERR_SSL_SSLV3_ALERT_…` and OpenSSL 3.2 and later `ERR_SSL_SSL/TLS_ALERT_…`. Over TLS 1.2 every
 * alert arrives as `EPROTO`. Node.js servers (and some appliances) drop the connection instead:
 * `ECONNRESET` (or `EPIPE`, when the request was still being written). nginx answers HTTP 400
 * instead: an answer, which this never retries.
 */
export const CLIENT_CERTIFICATE_REFUSALS: ReadonlySet<string> = new Set([
  'ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED',
  'ERR_SSL_TLSV1_ALERT_UNKNOWN_CA',
  'ERR_SSL_TLSV1_ALERT_ACCESS_DENIED',
  ...SSLV3_FAMILY_ALERTS.flatMap((alert) => [`ERR_SSL_SSLV3_ALERT_${alert}`, `ERR_SSL_SSL/TLS_ALERT_${alert}`]),
  'EPROTO',
  'ECONNRESET',
  'EPIPE',
]);

/** True when the attempt failed as an endpoint refusing the client certificate would make it fail (no answer). */
export const mayBeClientCertificateRefusal = (outcome: AttemptOutcome): boolean =>
  outcome.kind === 'unreachable' &&
  outcome.reason === 'connection' &&
  outcome.code !== undefined &&
  CLIENT_CERTIFICATE_REFUSALS.has(outcome.code);

/** The TLS settings of a delivery presenting `certificate` (the destination's current one by default). */
const tlsOf = (
  destination: Pick<DestinationSettings, 'clientCertificate' | 'caBundle'>,
  certificate: ClientCertificate | undefined = destination.clientCertificate,
): DeliveryTls | undefined =>
  certificate === undefined && destination.caBundle === undefined
    ? undefined
    : {
        ...(certificate ? { clientCertificate: { chain: certificate.chain, key: certificate.key } } : {}),
        ...(destination.caBundle === undefined ? {} : { caBundle: destination.caBundle }),
      };

/**
 * POSTs `request` to `destination` with its TLS settings (`DeliveryTls`): its client certificate
 * and CA bundle. When the attempt fails as a refused client certificate does
 * (`mayBeClientCertificateRefusal`: the request never reached the endpoint's application) and the
 * certificate a rotation replaced is still inside its overlap at `now`, it is POSTed again at once
 * presenting that one, within what is left of `timeoutMs`: its outcome is the attempt's (its
 * `durationMs` the two together), and a warning names both fingerprints (never the keys). The
 * outcome otherwise as `Deliverer.post` answers it.
 */
export const postPresentingClientCertificate = async (
  deliverer: Deliverer,
  destination: Pick<DestinationSettings, 'id' | 'clientCertificate' | 'previousClientCertificate' | 'caBundle'>,
  request: Omit<DeliveryRequest, 'tls'>,
  now: Date,
  log: Log,
): Promise<DeliveryOutcome> => {
  const tls = tlsOf(destination);
  const first = await deliverer.post({ ...request, ...(tls ? { tls } : {}) });
  const { clientCertificate, previousClientCertificate: previous } = destination;
  const remainingMs = request.timeoutMs - first.durationMs;
  if (
    !clientCertificate ||
    !previous ||
    Date.parse(previous.validUntil) <= now.getTime() ||
    !mayBeClientCertificateRefusal(first) ||
    remainingMs <= 0
  )
    return first;
  const second = await deliverer.post({ ...request, timeoutMs: remainingMs, tls: tlsOf(destination, previous)! });
  log.warn('The endpoint refused the client certificate; tried again with the one it replaced', {
    destinationId: destination.id,
    refused: first.kind === 'unreachable' && first.reason === 'connection' ? first.code : undefined,
    clientCertificateSha256: fingerprintOf(clientCertificate),
    previousClientCertificateSha256: fingerprintOf(previous),
    previousValidUntil: previous.validUntil,
  });
  return { ...second, durationMs: first.durationMs + second.durationMs };
};
