/**
 * How long one delivery attempt may take, by body size. A destination's `timeoutMs` (1–30 s) is
 * set for ordinary bodies; a 50 MB upload must also get through the receiver's link, so the
 * attempt's budget grows with the bytes beyond what a queue message carries.
 *
 *   attemptTimeoutMs = timeoutMs + max(0, bodyBytes − 1 MiB) / 1 MB/s
 *
 * - The first `TIMEOUT_COVERED_BYTES` (1 MiB, the largest SQS message) are covered by
 *   `timeoutMs` alone: every body that existed before uploads keeps exactly its timeout.
 * - Each byte beyond adds time at `MIN_RECEIVER_BYTES_PER_SECOND` (1,000,000 bytes/s, 8 Mbit/s),
 *   a throughput any receiver that takes 50 MB documents has: 50,000,000 bytes add 48.95 s, so the
 *   worst attempt (a 30 s timeout, 50 MB) is 78.95 s.
 *
 * What covers the worst case: the delivery function (2 min) starts a record only with the
 * attempt's budget plus 5 s left (`deliver-batch.ts`), and stops inline retries that would not
 * fit; the destination queues' visibility is 6 × 2 min (lib/constructs/destination-queues.ts).
 */

import type { EnvelopeHeader } from './envelope';
import { MAX_INLINE_BODY_BYTES } from './size-limits';

/** Body bytes a destination's own timeout covers: 1 MiB, the largest SQS message (AWS SQS quotas). */
export const TIMEOUT_COVERED_BYTES = 1024 * 1024;

/** The slowest throughput a receiver of large bodies is assumed to take them at, in bytes per second. */
export const MIN_RECEIVER_BYTES_PER_SECOND = 1_000_000;

/**
 * The time (ms) one attempt to POST `bodyBytes` bytes may take at a destination whose timeout is
 * `timeoutMs` (ms): see the rule above. Whole milliseconds, rounded up.
 */
export const attemptTimeoutMs = (timeoutMs: number, bodyBytes: number): number =>
  timeoutMs + Math.ceil((Math.max(0, bodyBytes - TIMEOUT_COVERED_BYTES) * 1000) / MIN_RECEIVER_BYTES_PER_SECOND);

/**
 * At most how many bytes delivering a queue entry POSTs, known before its payload is read: the
 * entry itself for inline data (its envelope is never smaller than the data); the size a
 * reference records; for a reference written before sizes were recorded, the largest inline
 * body (`MAX_INLINE_BODY_BYTES`), which it came from. Enough to budget the attempt's time.
 */
export const deliveryBytesOf = (header: EnvelopeHeader, entryBody: string): number =>
  header.dataRef === undefined ? Buffer.byteLength(entryBody) : (header.dataBytes ?? MAX_INLINE_BODY_BYTES);
