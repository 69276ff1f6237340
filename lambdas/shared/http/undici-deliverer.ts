import { Agent, request } from 'undici';
import type { Deliverer, DeliveryOutcome, DeliveryRequest } from '../ports';

/** At most this much of an endpoint's answer is read: only its status matters. */
const MAX_RESPONSE_BYTES = 64 * 1024;

/**
 * POSTs over a keep-alive connection pool shared by the invocations of a warm function. Redirects
 * are never followed (undici's `request` does not follow them), and the whole exchange up to the
 * status line must fit in the destination's timeout.
 */
export class UndiciDeliverer implements Deliverer {
  constructor(private readonly dispatcher: Agent = new Agent({ keepAliveTimeout: 30_000, connections: 4 })) {}

  async post(delivery: DeliveryRequest): Promise<DeliveryOutcome> {
    const started = performance.now();
    const elapsed = () => Math.round(performance.now() - started);
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
      await response.body.dump({ limit: MAX_RESPONSE_BYTES }).catch(() => undefined);
      const retryAfter = response.headers['retry-after'];
      return {
        kind: 'answered',
        status: response.statusCode,
        durationMs,
        ...(typeof retryAfter === 'string' ? { retryAfter: retryAfter.slice(0, 64) } : {}),
      };
    } catch (error) {
      const name = (error as Error).name;
      const timedOut = name === 'TimeoutError' || name === 'AbortError' || name === 'HeadersTimeoutError';
      return { kind: 'unreachable', reason: timedOut ? 'timeout' : 'connection', durationMs: elapsed() };
    }
  }
}
