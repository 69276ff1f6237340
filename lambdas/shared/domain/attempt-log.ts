/** The attempt log of a transmission: how each attempt's outcome is named, and the log's window. */
import { type AttemptOutcome, isSuccess } from './failures';
import type { Arrival, AttemptLogEntry, AttemptOutcomeName, RecordedAttempt } from './model';

/** The attempts `GET /v1/admin/transmissions/{id}` shows: the last 50 (the contract's limit). */
export const ATTEMPT_LOG_LIMIT = 50;

/** The most of an endpoint's answer body the attempt log keeps, in bytes (the contract's 1,024). */
export const RESPONSE_EXCERPT_BYTES = 1024;

/**
 * The attempt log's name for an outcome: a 2xx is `delivered`, any other status `http_error`;
 * without an answer, `timeout`, `connection_error` (refused, reset, DNS, TLS) or `address_refused`
 * (the deployment's address guard refused the host).
 */
export const attemptOutcomeOf = (outcome: AttemptOutcome): AttemptOutcomeName => {
  if (outcome.kind === 'answered') return isSuccess(outcome) ? 'delivered' : 'http_error';
  if (outcome.reason === 'connection') return 'connection_error';
  return outcome.reason;
};

/**
 * Why an attempt without an answer failed, as its log entry says it: a timeout's phase, a
 * connection error's code; nothing for an answer (its status says it) or a refused address.
 */
const reasonOf = (outcome: AttemptOutcome): string | undefined => {
  if (outcome.kind === 'answered' || outcome.reason === 'address_refused') return undefined;
  return outcome.reason === 'timeout' ? outcome.phase : outcome.code;
};

/**
 * The log entry of one attempt ending at `at`: outcome, status when answered, why when not
 * (`reason`), duration (ms) and the excerpt of the answer when it had a body.
 */
export const attemptEntry = (
  outcome: AttemptOutcome,
  at: Date,
  durationMs: number,
  responseExcerpt: string | undefined,
): AttemptLogEntry => ({
  at: at.toISOString(),
  outcome: attemptOutcomeOf(outcome),
  ...(outcome.kind === 'answered' ? { status: outcome.status } : {}),
  ...(reasonOf(outcome) === undefined ? {} : { reason: reasonOf(outcome) }),
  durationMs,
  ...(responseExcerpt ? { responseExcerpt } : {}),
});

/** The delivered attempt an arrival records (its attempt number is the arrival's `attempts`). */
const deliveredAttempt = (arrival: Arrival): RecordedAttempt => ({
  attempt: arrival.attempts,
  at: arrival.arrivedAt,
  outcome: 'delivered',
  ...(arrival.status === undefined ? {} : { status: arrival.status }),
  ...(arrival.durationMs === undefined ? {} : { durationMs: arrival.durationMs }),
  ...(arrival.responseExcerpt ? { responseExcerpt: arrival.responseExcerpt } : {}),
});

/**
 * A transmission's attempt log, newest last, at most `ATTEMPT_LOG_LIMIT` entries: its failed
 * attempts and, once delivered, the delivering attempt its arrival records, in attempt order.
 */
export const attemptLog = (failed: readonly RecordedAttempt[], arrival?: Arrival): AttemptLogEntry[] =>
  [...failed, ...(arrival ? [deliveredAttempt(arrival)] : [])]
    .sort((a, b) => a.attempt - b.attempt)
    .slice(-ATTEMPT_LOG_LIMIT)
    .map(({ attempt: _attempt, ...entry }) => entry);
