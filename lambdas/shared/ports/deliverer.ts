/** The deliverer port: one HTTP POST to a destination. */
import type { AttemptOutcome } from '../domain/failures';

export interface DeliveryRequest {
  readonly url: string;
  readonly body: string;
  readonly headers: Readonly<Record<string, string>>;
  /** The destination's timeout for the whole attempt, in ms. */
  readonly timeoutMs: number;
}

/** How the endpoint answered, and how long the attempt took (ms). */
export type DeliveryOutcome = AttemptOutcome & { readonly durationMs: number };

/** POSTs one transmission to its destination and reports how the endpoint answered. */
export interface Deliverer {
  post(request: DeliveryRequest): Promise<DeliveryOutcome>;
}
