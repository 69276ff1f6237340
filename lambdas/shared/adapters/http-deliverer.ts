import { createHash } from 'node:crypto';
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { isIP, type LookupFunction, type Socket } from 'node:net';
import { createSecureContext, rootCertificates } from 'node:tls';
import { RESPONSE_EXCERPT_BYTES } from '../domain/attempt-log';
import { addressesAllowed } from '../domain/destination-url';
import type { TimeoutPhase } from '../domain/failures';
import type { Deliverer, DeliveryOutcome, DeliveryRequest, DeliveryTls } from '../ports/deliverer';
import { readResponseExcerpt } from './response-excerpt';

/**
 * At most this much of an endpoint's answer is read: its status decides, and its first 1,024
 * bytes are kept for the attempt log; the rest is read (and dropped) only so the connection can
 * be reused. A longer answer closes its connection instead.
 */
const MAX_RESPONSE_BYTES = 64 * 1024;

/**
 * How long (ms) an idle pooled connection is kept: under the 5 s idle timeout common servers
 * default to (Node.js, Apache httpd), so a connection the endpoint is about to close is not
 * reused for the next POST (which would fail with ECONNRESET). undici's default is the same 4 s.
 */
const IDLE_CONNECTION_MS = 4_000;

/** Connections kept per destination origin: a destination gets one POST at a time (FIFO order), a few spare. */
const CONNECTIONS_PER_ORIGIN = 4;

/** Every pool's settings: keep-alive, a few connections per origin, idle ones closed after `IDLE_CONNECTION_MS`. */
const POOL = { keepAlive: true, maxSockets: CONNECTIONS_PER_ORIGIN, timeout: IDLE_CONNECTION_MS };

/**
 * Connection pools kept for destinations with TLS settings of their own (a client certificate, a
 * CA bundle), one per distinct set; beyond this the least recently used is dropped (its idle
 * connections close by themselves after `IDLE_CONNECTION_MS`; one in use finishes its exchange).
 */
const TLS_POOLS = 100;

/** Which TLS servers deliveries trust, besides those whose certificates chain to Node.js's bundled authorities. */
export interface DeliveryTrust {
  /** Certificate authorities in PEM. */
  readonly extraCertificateAuthorities?: readonly string[];
}

/** Raised by the guarded lookup; the attempt fails without any connection being made. */
class AddressRefusedError extends Error {
  override name = 'AddressRefusedError';
  readonly code = 'ECONVEYORADDRESS';
}

type LookupCallback = (error: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/** Which addresses deliveries may connect to. */
export interface DeliveryAddressPolicy {
  /** Private and loopback addresses too (local mode, private networks); link-local never. */
  readonly allowPrivate: boolean;
  /** Resolves every address of a host name (the system resolver by default). */
  readonly resolve?: (hostname: string) => Promise<LookupAddress[]>;
}

const systemResolve = (hostname: string) =>
  new Promise<LookupAddress[]>((resolve, reject) =>
    dnsLookup(hostname, { all: true, verbatim: true }, (error, addresses) =>
      error ? reject(error) : resolve(addresses),
    ),
  );

/**
 * A DNS lookup for the connection pool that checks what it returns: a host whose addresses are not
 * all allowed is refused, and the connection is made to the address that was checked, so a host
 * that resolves differently a moment later (DNS rebinding) cannot slip through.
 */
const guardedLookup =
  (policy: DeliveryAddressPolicy) => (hostname: string, options: { all?: boolean }, callback: LookupCallback) => {
    (policy.resolve ?? systemResolve)(hostname).then(
      (addresses) => {
        if (
          !addressesAllowed(
            addresses.map((entry) => entry.address),
            policy.allowPrivate,
          )
        ) {
          callback(new AddressRefusedError(`${hostname} resolves to an address deliveries may not reach`), []);
          return;
        }
        if (options.all) callback(null, addresses);
        else callback(null, addresses[0]!.address, addresses[0]!.family);
      },
      (error: NodeJS.ErrnoException) => callback(error, []),
    );
  };

const isAddressRefusal = (error: unknown): boolean => {
  for (let cause: unknown = error; cause instanceof Error; cause = cause.cause)
    if (cause instanceof AddressRefusedError) return true;
  return false;
};

/** The attempt's time ran out while it was in `phase`. */
class AttemptTimeoutError extends Error {
  override name = 'AttemptTimeoutError';
  constructor(readonly phase: TimeoutPhase) {
    super(`The attempt timed out (${phase})`);
  }
}

/**
 * The code of a connection error: the system, TLS or HTTP-parser code Node.js gives it, when it is
 * one (a short upper-case token); never the message, which may quote what the endpoint sent. A
 * slash is allowed: OpenSSL 3.2 and later (Node.js 24) name the SSLv3-family TLS alerts
 * `ERR_SSL_SSL/TLS_ALERT_…` (such as `ERR_SSL_SSL/TLS_ALERT_CERTIFICATE_EXPIRED`).
 */
const errorCode = (error: unknown): string | undefined => {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return typeof code === 'string' && /^[A-Z][A-Z0-9_/]{0,63}$/.test(code) ? code : undefined;
};

/**
 * POSTs over keep-alive connection pools (one for http, one for https) shared by the invocations
 * of a warm function. Each new connection goes only to an address the policy allows, checked at
 * connect time (the URL was also checked at registration). Redirects are never followed
 * (`node:http` does not follow them), at most 64 KiB of the answer is read, of which the first
 * 1,024 bytes are kept as the attempt's `responseExcerpt` (may hold PHI: never logged), and the
 * whole exchange, connecting to the answer's last byte read, must fit in the destination's
 * timeout. A failed exchange is an `unreachable` outcome, not an error: a timeout names the phase
 * it cut short, a connection error its code. Durations are in ms.
 *
 * A delivery with TLS settings of its own (`DeliveryRequest.tls`: a client certificate to present,
 * a CA bundle that replaces the trusted authorities) goes through a pool kept for that set alone
 * (at most `TLS_POOLS` such pools), with the same address guard, timeouts and caps.
 *
 * Any legal HTTP/1.1 answer is accepted: interim 1xx answers before the final one (RFC 9110
 * §15.2: a client must parse them even unasked; they are skipped), `Connection: close`, chunked
 * or close-delimited bodies, and a final answer that comes while the request body is still being
 * sent (RFC 9112 §9.6: the client then stops sending). That is why the requests go through
 * `node:http` and not undici, whose HTTP/1.1 client (8.x) destroys the connection on an unasked
 * `100 Continue` ("bad response"). Bare-LF line endings (which RFC 9112 §2.2 lets a recipient
 * accept, not requires) are refused by the strict parser, as `connection_error` with code
 * `HPE_CR_EXPECTED`: the lenient parser would also accept conflicting lengths, which could leave a
 * pooled connection out of step and credit one attempt with another's answer.
 */
export class HttpDeliverer implements Deliverer {
  private readonly http: HttpAgent;
  private readonly https: HttpsAgent;
  private readonly lookup: ReturnType<typeof guardedLookup>;
  /** The authorities trusted without a destination's own bundle (undefined: Node.js's bundled ones). */
  private readonly defaultCa: string[] | undefined;
  /** Pools by `tlsPoolKey`, least recently used first (a Map keeps insertion order). */
  private readonly tlsPools = new Map<string, HttpsAgent>();

  /**
   * @param policy which addresses deliveries may connect to
   * @param trust certificate authorities (PEM) trusted besides Node.js's bundled ones: a private CA
   *   a hospital's receivers use (none by default)
   */
  constructor(
    private readonly policy: DeliveryAddressPolicy,
    trust: DeliveryTrust = {},
  ) {
    this.http = new HttpAgent(POOL);
    // `ca` replaces the bundled authorities: keep them.
    const ca = trust.extraCertificateAuthorities?.length
      ? [...rootCertificates, ...trust.extraCertificateAuthorities]
      : undefined;
    this.defaultCa = ca;
    this.https = new HttpsAgent({ ...POOL, ...(ca ? { ca } : {}) });
    this.lookup = guardedLookup(policy);
  }

  async post(delivery: DeliveryRequest): Promise<DeliveryOutcome> {
    const started = performance.now();
    const elapsed = () => Math.round(performance.now() - started);
    const url = new URL(delivery.url);
    // A literal address is connected to without a lookup: check it here.
    const host = url.hostname.replace(/^\[|\]$/g, '');
    if (isIP(host) && !addressesAllowed([host], this.policy.allowPrivate))
      return { kind: 'unreachable', reason: 'address_refused', durationMs: 0 };
    const secure = url.protocol === 'https:';
    let httpsPool = this.https;
    if (secure && delivery.tls) {
      try {
        httpsPool = this.tlsPool(delivery.tls);
      } catch (error) {
        // Checked at registration; a key or certificate the TLS stack still refuses fails the attempt.
        const code = errorCode(error);
        return { kind: 'unreachable', reason: 'connection', ...(code ? { code } : {}), durationMs: 0 };
      }
    }
    const body = typeof delivery.body === 'string' ? Buffer.from(delivery.body) : delivery.body;
    const hasLength = Object.keys(delivery.headers).some((name) => name.toLowerCase() === 'content-length');

    return new Promise<DeliveryOutcome>((resolve) => {
      let phase: TimeoutPhase = 'connect';
      let timedOut = false;
      let settled = false;
      const request = (secure ? httpsRequest : httpRequest)(url, {
        method: 'POST',
        headers: hasLength ? delivery.headers : { ...delivery.headers, 'content-length': String(body.byteLength) },
        agent: secure ? httpsPool : this.http,
        lookup: this.lookup as LookupFunction,
      });
      const settle = (outcome: DeliveryOutcome) => {
        if (settled) return;
        settled = true;
        clearTimeout(deadline);
        // An answer that came before the request was all sent ends the sending (RFC 9112 §9.6).
        if (!request.writableFinished) request.destroy();
        resolve(outcome);
      };
      const deadline = setTimeout(() => {
        timedOut = true;
        request.destroy(new AttemptTimeoutError(phase));
      }, delivery.timeoutMs);

      request.on('socket', (socket: Socket) => {
        // A pooled connection is connected (and its TLS done) already.
        if (!socket.connecting) {
          phase = 'headers';
          return;
        }
        socket.once('connect', () => {
          if (phase === 'connect') phase = secure ? 'tls' : 'headers';
        });
        if (secure)
          socket.once('secureConnect', () => {
            if (phase === 'connect' || phase === 'tls') phase = 'headers';
          });
      });
      // Interim answers (100, 102, 103) are skipped: only the final one decides.
      request.on('response', (response: IncomingMessage) => {
        phase = 'body';
        const durationMs = elapsed();
        const retryAfter = response.headers['retry-after'];
        readResponseExcerpt(response, RESPONSE_EXCERPT_BYTES, MAX_RESPONSE_BYTES).then((responseExcerpt) => {
          // A body still coming when the time ran out is no complete answer: the attempt timed out.
          if (timedOut) {
            settle({ kind: 'unreachable', reason: 'timeout', phase: 'body', durationMs: elapsed() });
            return;
          }
          settle({
            kind: 'answered',
            status: response.statusCode ?? 0,
            durationMs,
            ...(typeof retryAfter === 'string' ? { retryAfter: retryAfter.slice(0, 64) } : {}),
            ...(responseExcerpt ? { responseExcerpt } : {}),
          });
        });
      });
      // `on`, not `once`: an error after the first (a reset after a refused write) must not go unhandled.
      request.on('error', (error) => {
        if (isAddressRefusal(error)) settle({ kind: 'unreachable', reason: 'address_refused', durationMs: elapsed() });
        else if (error instanceof AttemptTimeoutError)
          settle({ kind: 'unreachable', reason: 'timeout', phase: error.phase, durationMs: elapsed() });
        // After the answer's headers, its body's reading decides (an error there ends it early).
        else if (phase !== 'body') {
          const code = errorCode(error);
          settle({ kind: 'unreachable', reason: 'connection', ...(code ? { code } : {}), durationMs: elapsed() });
        }
      });
      request.end(body);
    });
  }

  /**
   * The pool for one destination's TLS settings: its client certificate and CAs in one secure
   * context made once (not at every connection), in a pool of its own, so a connection (or a TLS
   * session resumed from it) made with one identity never carries another's request.
   * @throws the TLS stack's error when it refuses the certificate, key or CAs
   */
  private tlsPool(tls: DeliveryTls): HttpsAgent {
    const key = tlsPoolKey(tls);
    let pool = this.tlsPools.get(key);
    if (pool) this.tlsPools.delete(key);
    else {
      const secureContext = createSecureContext({
        ...(tls.clientCertificate ? { cert: tls.clientCertificate.chain, key: tls.clientCertificate.key } : {}),
        ...(tls.caBundle !== undefined ? { ca: tls.caBundle } : this.defaultCa ? { ca: this.defaultCa } : {}),
      });
      pool = new HttpsAgent({ ...POOL, secureContext });
      if (this.tlsPools.size >= TLS_POOLS) this.tlsPools.delete(this.tlsPools.keys().next().value!);
    }
    // Most recently used last.
    this.tlsPools.set(key, pool);
    return pool;
  }

  /** How many pools with TLS settings of their own are kept (at most `TLS_POOLS`); for tests. */
  get tlsPoolCount(): number {
    return this.tlsPools.size;
  }
}

/** One key per distinct set of TLS settings: a digest, so the key material is not kept twice as a Map key. */
const tlsPoolKey = (tls: DeliveryTls): string =>
  createHash('sha256')
    .update(
      JSON.stringify([tls.clientCertificate?.chain ?? null, tls.clientCertificate?.key ?? null, tls.caBundle ?? null]),
    )
    .digest('hex');
