import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { isIP } from 'node:net';
import { Agent, request } from 'undici';
import { RESPONSE_EXCERPT_BYTES } from '../domain/attempt-log';
import { addressesAllowed } from '../domain/destination-url';
import type { Deliverer, DeliveryOutcome, DeliveryRequest } from '../ports/deliverer';
import { readResponseExcerpt } from './response-excerpt';

/**
 * At most this much of an endpoint's answer is read: its status decides, and its first 1,024
 * bytes are kept for the attempt log; the rest is read only so the connection can be reused.
 */
const MAX_RESPONSE_BYTES = 64 * 1024;

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

/**
 * POSTs over a keep-alive connection pool shared by the invocations of a warm function. Each new
 * connection goes only to an address the policy allows, checked at connect time (the URL was also
 * checked at registration). Redirects are never followed (undici's `request` does not follow them),
 * at most 64 KiB of the answer is read, of which the first 1,024 bytes are kept as the attempt's
 * `responseExcerpt` (may hold PHI: never logged), and the whole exchange up to the status line must
 * fit in the destination's timeout. A failed exchange is an `unreachable` outcome, not an error; durations
 * are in ms.
 */
export class UndiciDeliverer implements Deliverer {
  private readonly dispatcher: Agent;

  constructor(private readonly policy: DeliveryAddressPolicy) {
    this.dispatcher = new Agent({
      keepAliveTimeout: 30_000,
      connections: 4,
      connect: { lookup: guardedLookup(policy) },
    });
  }

  async post(delivery: DeliveryRequest): Promise<DeliveryOutcome> {
    const started = performance.now();
    const elapsed = () => Math.round(performance.now() - started);
    // A literal address is connected to without a lookup: check it here.
    const host = new URL(delivery.url).hostname.replace(/^\[|\]$/g, '');
    if (isIP(host) && !addressesAllowed([host], this.policy.allowPrivate))
      return { kind: 'unreachable', reason: 'address_refused', durationMs: 0 };
    try {
      const response = await request(delivery.url, {
        method: 'POST',
        body: delivery.body,
        headers: delivery.headers,
        dispatcher: this.dispatcher,
        signal: AbortSignal.timeout(delivery.timeoutMs),
        headersTimeout: delivery.timeoutMs,
        bodyTimeout: delivery.timeoutMs,
      });
      const durationMs = elapsed();
      const responseExcerpt = await readResponseExcerpt(response.body, RESPONSE_EXCERPT_BYTES, MAX_RESPONSE_BYTES);
      const retryAfter = response.headers['retry-after'];
      return {
        kind: 'answered',
        status: response.statusCode,
        durationMs,
        ...(typeof retryAfter === 'string' ? { retryAfter: retryAfter.slice(0, 64) } : {}),
        ...(responseExcerpt ? { responseExcerpt } : {}),
      };
    } catch (error) {
      if (isAddressRefusal(error)) return { kind: 'unreachable', reason: 'address_refused', durationMs: elapsed() };
      const name = (error as Error).name;
      const timedOut = name === 'TimeoutError' || name === 'AbortError' || name === 'HeadersTimeoutError';
      return { kind: 'unreachable', reason: timedOut ? 'timeout' : 'connection', durationMs: elapsed() };
    }
  }
}
