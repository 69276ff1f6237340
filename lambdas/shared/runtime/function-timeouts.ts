/**
 * Each function's timeout as deployed, in seconds: the stack gives the functions these, and the
 * local runtime gives its invocations the same deadlines (a local request may not run longer than
 * the deployed function could).
 */
export const FUNCTION_TIMEOUT_SECONDS = {
  /** Inside API Gateway's 30 s integration timeout; the delivery side's commit grace (`COMMIT_GRACE_MS`) must exceed it. */
  ingest: 15,
  /** Just inside API Gateway's 30 s integration timeout: creating a destination provisions a queue and a mapping. */
  admin: 29,
  /** One batch of up to ten deliveries, each within its attempt's timeout. */
  delivery: 120,
  /** One pass over the paused destinations, run every minute. */
  prober: 90,
} as const;
