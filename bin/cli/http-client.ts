/**
 * The CLI's HTTP client for the Conveyor API: builds the URL, authenticates each request (a bearer
 * credential or a SigV4 signature), and turns the answer into data or a typed error.
 */
import { ApiAnswerError, UnreachableError } from './errors';
import type { OutgoingRequest } from './sigv4';
import { cellText, truncate } from './table';

/** Adds the authentication headers to a request that is otherwise ready to send. */
export type Authenticate = (request: OutgoingRequest) => Promise<Record<string, string>>;

/** A request to the API; `path` holds ids already percent-encoded (see `pathOf`). */
export interface ApiRequest {
  readonly method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  readonly path: string;
  /** Undefined values are left out. */
  readonly query?: Readonly<Record<string, string | number | boolean | undefined>>;
  /** Sent as JSON when present. */
  readonly body?: unknown;
  /** `admin` for `/v1/admin/*`; an API key for the integrator routes. */
  readonly as: 'admin' | { readonly apiKey: string };
}

/** Talks to one deployment's API. */
export interface ApiClient {
  /**
   * Sends the request; resolves with the parsed JSON answer (undefined for an empty 2xx, e.g. 204).
   *
   * @throws ApiAnswerError (exit 1) for any answer outside 2xx, or a 2xx that is not JSON.
   * @throws UnreachableError (exit 3) when no answer came, or no credential was found.
   */
  send<T = unknown>(request: ApiRequest): Promise<T>;
}

/** Where the API is, how admin requests authenticate, and the `fetch` to send with. */
export interface ApiClientOptions {
  readonly baseUrl: string;
  /** How admin requests authenticate: a bearer token locally, SigV4 on AWS. Called per request. */
  readonly admin: () => Promise<Authenticate>;
  readonly fetch: typeof fetch;
  /**
   * How long to wait for an answer (ms). API Gateway gives up at 30 s; a destination's creation
   * waits for its queue and mapping, which the local fidelity mode delays by seconds.
   * @default 60_000
   */
  readonly timeoutMs?: number;
}

/** `/v1/admin/destinations/{id}` from `['v1', 'admin', 'destinations', id]`: each segment percent-encoded. */
export const pathOf = (...segments: string[]): string =>
  `/${segments.map((segment) => encodeURIComponent(segment)).join('/')}`;

/** `Authorization: Bearer <credential>`. */
export const bearer =
  (credential: string): Authenticate =>
  async () => ({ authorization: `Bearer ${credential}` });

const errorOf = (status: number, statusText: string, text: string): ApiAnswerError => {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    // Not JSON (a proxy's page, say): only the status is worth showing.
  }
  const body = (parsed ?? {}) as { error?: { code?: unknown; message?: unknown }; message?: unknown };
  const code = typeof body.error?.code === 'string' ? body.error.code : `http_${status}`;
  // API Gateway's own refusals (IAM, throttling) answer {"message": "..."}.
  const message =
    typeof body.error?.message === 'string'
      ? body.error.message
      : typeof body.message === 'string'
        ? body.message
        : `The API answered ${status}${statusText === '' ? '' : ` ${statusText}`}.`;
  // Printed to a terminal: one line, no escape sequences, whatever answered.
  return new ApiAnswerError(status, truncate(cellText(code), 64), truncate(cellText(message), 500));
};

/** A client sending each request once (no retries: an operator's write is not repeated behind their back). */
export const createApiClient = (options: ApiClientOptions): ApiClient => ({
  send: async <T>(request: ApiRequest): Promise<T> => {
    const url = new URL(`${options.baseUrl}${request.path}`);
    for (const [name, value] of Object.entries(request.query ?? {})) {
      if (value !== undefined) url.searchParams.set(name, String(value));
    }
    const body = request.body === undefined ? undefined : JSON.stringify(request.body);
    const headers: Record<string, string> = { accept: 'application/json' };
    if (body !== undefined) headers['content-type'] = 'application/json';
    const authenticate = request.as === 'admin' ? await options.admin() : bearer(request.as.apiKey);
    const outgoing = { method: request.method, url, headers, body };
    const sent = { ...headers, ...(await authenticate(outgoing)) };
    let response: Response;
    let text: string;
    try {
      response = await options.fetch(url, {
        method: request.method,
        headers: sent,
        body,
        redirect: 'manual',
        signal: AbortSignal.timeout(options.timeoutMs ?? 60_000),
      });
      text = await response.text();
    } catch (error) {
      const reason = error instanceof Error ? (error.cause instanceof Error ? error.cause.message : error.message) : '';
      throw new UnreachableError(`Could not reach the API at ${url.origin}${reason === '' ? '' : `: ${reason}`}.`, {
        cause: error,
      });
    }
    if (response.status < 200 || response.status > 299) throw errorOf(response.status, response.statusText, text);
    if (text === '') return undefined as T;
    try {
      return JSON.parse(text) as T;
    } catch {
      throw new ApiAnswerError(response.status, 'unexpected_answer', `The answer at ${url.origin} is not JSON.`);
    }
  },
});
