/** The deliverer port: one HTTP POST to a destination. */
import type { AttemptOutcome } from '../domain/failures';

export interface DeliveryRequest {
  readonly url: string;
  /** The exact bytes to POST (UTF-8 JSON; a string is sent as its UTF-8 bytes). */
  readonly body: string | Uint8Array;
  readonly headers: Readonly<Record<string, string>>;
  /** The whole attempt's time budget, in ms (the destination's timeout, longer for a large body: `attemptTimeoutMs`). */
  readonly timeoutMs: number;
  /** The destination's own TLS settings (https only): a client certificate to present, CAs to trust. */
  readonly tls?: DeliveryTls;
}

/**
 * TLS settings of one destination, all PEM. Connections made with different settings are never
 * shared (each set has its own connection pool).
 */
export interface DeliveryTls {
  /** mTLS: the client's certificate chain (its own first) and private key, presented when the server asks. */
  readonly clientCertificate?: { readonly chain: string; readonly key: string };
  /** The CAs that alone decide whether the server's certificate is trusted, instead of the public roots. */
  readonly caBundle?: string;
}

/**
 * How the endpoint answered, how long the attempt took (ms, up to the answer's status line), and
 * for an answer with a body its first 1,024 bytes as text (`responseExcerpt`: it may hold PHI, so
 * it goes only into the attempt log, never into a log line, a metric or an email).
 */
export type DeliveryOutcome = AttemptOutcome & { readonly durationMs: number; readonly responseExcerpt?: string };

/** POSTs one transmission to its destination and reports how the endpoint answered. */
export interface Deliverer {
  post(request: DeliveryRequest): Promise<DeliveryOutcome>;
}
