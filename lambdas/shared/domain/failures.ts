import type { Fault } from './model';

/**
 * What an attempt was waiting for when its time ran out: the TCP connection (DNS included), the
 * TLS handshake, the answer's status line and headers (the request being sent included), or the
 * rest of the answer's body.
 */
export type TimeoutPhase = 'connect' | 'tls' | 'headers' | 'body';

/**
 * How an endpoint answered one attempt (see the Deliverer port). A timeout names its `phase`; a
 * connection error its `code`: the system, TLS or HTTP-parser error code (`ECONNREFUSED`,
 * `ECONNRESET`, `EPIPE`, `ENOTFOUND`, `CERT_HAS_EXPIRED`, `ERR_TLS_CERT_ALTNAME_INVALID`,
 * `HPE_CR_EXPECTED`, …), never a message (messages may quote what the endpoint sent).
 */
export type AttemptOutcome =
  | { readonly kind: 'answered'; readonly status: number; readonly retryAfter?: string }
  | { readonly kind: 'unreachable'; readonly reason: 'timeout'; readonly phase?: TimeoutPhase }
  | { readonly kind: 'unreachable'; readonly reason: 'connection'; readonly code?: string }
  | { readonly kind: 'unreachable'; readonly reason: 'address_refused' };

/** A 2xx answer: the delivery counts (any other answer, a timeout or no connection does not). */
export const isSuccess = (outcome: AttemptOutcome): boolean =>
  outcome.kind === 'answered' && outcome.status >= 200 && outcome.status < 300;

/**
 * A 4xx other than 408 and 429: the endpoint turned the request down, so retrying it within
 * seconds will not help (no inline retry). Whose fault it is depends on the status: see `faultOf`.
 */
export const isRefusal = (outcome: AttemptOutcome): boolean =>
  outcome.kind === 'answered' &&
  outcome.status >= 400 &&
  outcome.status < 500 &&
  outcome.status !== 408 &&
  outcome.status !== 429;

/**
 * The statuses with which an endpoint refuses the data itself (the contract's "Alerts"): bad
 * request, conflict, too large, unsupported media type, unprocessable. The sending organization
 * must fix what it sent.
 */
const DATA_REFUSED_STATUSES: ReadonlySet<number> = new Set([400, 409, 413, 415, 422]);

/**
 * Whose fault a failed attempt is: the sender's when the endpoint refused the data
 * (`DATA_REFUSED_STATUSES`); the destination's for everything else — 401, 403, 404, 405, 410 and
 * every other 4xx (credentials, a moved or retired endpoint), 5xx, 408, 429, timeouts, connection
 * and TLS errors, and addresses the deployment refuses.
 */
export const faultOf = (outcome: AttemptOutcome): Fault =>
  outcome.kind === 'answered' && DATA_REFUSED_STATUSES.has(outcome.status) ? 'sender' : 'destination';

/** A short, payload-free description of a failed attempt, for logs, the API and alert emails. */
export const describeOutcome = (outcome: AttemptOutcome): string => {
  if (outcome.kind === 'answered') return `HTTP ${outcome.status}`;
  if (outcome.reason === 'address_refused')
    return "refused: the destination's host resolves to an address this deployment does not deliver to";
  if (outcome.reason === 'timeout') return outcome.phase ? `timeout (${TIMEOUT_PHASE_TEXT[outcome.phase]})` : 'timeout';
  return outcome.code ? `connection error (${outcome.code})` : 'connection error';
};

/** What `describeOutcome` says a timed-out attempt was waiting for. */
const TIMEOUT_PHASE_TEXT: Readonly<Record<TimeoutPhase, string>> = {
  connect: 'connecting',
  tls: 'TLS handshake',
  headers: 'waiting for the answer',
  body: "reading the answer's body",
};

/**
 * How long (ms) to wait before inline retry number `retry` (0-based): the endpoint's Retry-After
 * (seconds or an HTTP date) when it gave one, else `backoffMs` doubled for each earlier retry;
 * never less than 0 nor more than `capMs`.
 */
export const inlineRetryDelayMs = (
  outcome: AttemptOutcome,
  retry: number,
  backoffMs: number,
  capMs: number,
  now: Date,
): number => {
  const fallback = backoffMs * 2 ** retry;
  const header = outcome.kind === 'answered' ? outcome.retryAfter?.trim() : undefined;
  let requested: number | undefined;
  if (header !== undefined && /^\d+$/.test(header)) requested = Number(header) * 1000;
  else if (header !== undefined && !Number.isNaN(Date.parse(header))) requested = Date.parse(header) - now.getTime();
  return Math.min(Math.max(requested ?? fallback, 0), capMs);
};

/** Seconds between retries of a paused destination's head: quick at first, then every 10 minutes. */
export const DEFAULT_PROBE_LADDER_SECONDS: readonly number[] = [5, 10, 10, 20, 30, 60, 120, 300, 600];

/** The wait (s) before probe number `step` (0-based); the last rung repeats. Throws `RangeError` for an empty ladder. */
export const probeDelaySeconds = (ladder: readonly number[], step: number): number => {
  const rung = ladder[Math.min(step, ladder.length - 1)];
  if (rung === undefined) throw new RangeError('A probe ladder has at least one rung');
  return rung;
};

/** Parses a ladder such as "5,10,10,20" (seconds) from configuration; throws unless every rung is a non-negative number. */
export const parseLadder = (value: string): number[] => {
  const rungs = value.split(',').map((rung) => rung.trim());
  const ladder = rungs.map(Number);
  // A blank rung (a trailing comma) would read as 0: a probe on every pass for the whole pause.
  if (rungs.some((rung) => rung === '') || ladder.some((rung) => !Number.isFinite(rung) || rung < 0)) {
    throw new Error(`A probe ladder is a comma-separated list of non-negative seconds, got ${JSON.stringify(value)}`);
  }
  return ladder;
};
