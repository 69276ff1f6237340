/**
 * The sizes that keep every payload inside the AWS quotas it travels through. A request body and a
 * batch of queue entries each reach a Lambda function inside one invocation event, as JSON strings
 * whose escaping can make them larger than they are; what would not fit comes in through an upload
 * (request bodies) or goes through the payload store (queue entries).
 */
import { payloadTooLarge } from './errors';

/**
 * The most a synchronous Lambda invocation carries, in bytes: "6 MB" for the request (AWS Lambda
 * quotas, "Invocation payload (request and response)"; the Invoke API refuses a request of
 * 6,291,456 bytes or more). API Gateway and event-source mappings both invoke synchronously.
 */
export const LAMBDA_INVOCATION_MAX_BYTES = 6 * 1024 * 1024;

/**
 * The largest request body sent inline, in bytes, in every deployment (contract v1.1): the body
 * reaches the function as a JSON string inside API Gateway's event, one invocation of at most
 * `LAMBDA_INVOCATION_MAX_BYTES`, and JSON escaping can double it (a body of `\"` or `\\` pairs,
 * or of newlines between tokens): 2 × 3,000,000 leaves ~290 KB of the quota for the event's
 * headers and request context. Larger documents go through `POST /v1/uploads`.
 */
export const MAX_INLINE_BODY_BYTES = 3_000_000;

/**
 * The largest document an upload takes, in bytes (contract v1.1: `POST /v1/uploads`, 1 to
 * 50,000,000). It travels outside any invocation (a presigned PUT straight to S3, read back as a
 * stream), so what bounds it is the delivery: one POST of it must fit the delivery function's
 * timeout at the throughput `attemptTimeoutMs` assumes (delivery-timeout.ts).
 */
export const MAX_UPLOAD_BYTES = 50_000_000;

/** Refuses a request body of `byteLength` bytes when it is over `MAX_INLINE_BODY_BYTES` (413 `payload_too_large`). */
export const assertInlineBodySize = (byteLength: number): void => {
  if (byteLength > MAX_INLINE_BODY_BYTES) throw payloadTooLarge(MAX_INLINE_BODY_BYTES);
};

/** The most records an SQS FIFO event-source mapping hands one invocation (AWS: `BatchSize` 1–10 for FIFO queues). */
export const FIFO_BATCH_MAX_RECORDS = 10;

/**
 * What an SQS record in a Lambda event carries besides its escaped body, in bytes, estimated
 * generously: a receipt handle (seen up to ~1 KB), the message id, `md5OfBody`, the attributes
 * (receive count, timestamps, a 20-digit sequence number, a group id and a deduplication id of up
 * to 128 characters each, the sender id, an `AWSTraceHeader`), the queue ARN (a name of up to 80
 * characters), the region and the JSON around them. A worst case of those adds up to ~2 KB
 * (`size-limits.test.ts` builds one); twice that leaves room for attributes SQS may add.
 */
export const SQS_EVENT_RECORD_OVERHEAD_BYTES = 4096;

/**
 * The most a delivery invocation's event should carry, in bytes: a batch of the largest inline
 * entries stays under ~5.5 MB, ~790 KB below `LAMBDA_INVOCATION_MAX_BYTES`, for the event's
 * wrapper and anything the record estimate misses.
 */
export const DELIVERY_EVENT_BUDGET_BYTES = 5_500_000;

/**
 * What a replay adds to an entry's header (`"generation":n,`, n up to 2^53, escaped), in bytes,
 * kept free below the threshold so that a replayed entry, re-encoded with the same data, travels
 * inline whenever its original did and still fits the batch.
 */
export const REPLAY_HEADER_GROWTH_BYTES = 64;

/**
 * The largest queue entry that travels inline, measured escaped (`escapedEntryBytes`), in bytes:
 * 5,500,000 / 10 − 4,096 − 64 = 545,840. Ten such entries and their records make an event of at
 * most 5,500,000 bytes. A larger entry goes through the payload store and the queue carries a
 * reference (a few hundred bytes).
 */
export const MAX_INLINE_ENTRY_ESCAPED_BYTES =
  Math.floor(DELIVERY_EVENT_BUDGET_BYTES / FIFO_BATCH_MAX_RECORDS) -
  SQS_EVENT_RECORD_OVERHEAD_BYTES -
  REPLAY_HEADER_GROWTH_BYTES;

/**
 * The bytes a queue entry's body takes inside a Lambda event, at worst: the body as a JSON string,
 * so each `"`, `\` and newline counts twice and a control character six times. Whether Lambda's
 * serializer writes non-ASCII characters as UTF-8 or as `\uXXXX` escapes is not documented, so
 * each UTF-16 code unit beyond ASCII counts as the six bytes of its escape: either way is safe.
 */
export const escapedEntryBytes = (body: string): number => {
  const escaped = JSON.stringify(body);
  let nonAscii = 0;
  for (let index = 0; index < escaped.length; index++) if (escaped.charCodeAt(index) > 0x7f) nonAscii++;
  return escaped.length + nonAscii * 5;
};

/**
 * True when a queue entry must not travel inline: its escaped size is over
 * `MAX_INLINE_ENTRY_ESCAPED_BYTES` (a batch of ten would not fit one invocation), or its own size
 * is over `maxQueueMessageBytes` (the largest message the queue takes; SQS: 1 MiB).
 */
export const entryNeedsPayloadStore = (body: string, maxQueueMessageBytes: number): boolean => {
  const bytes = Buffer.byteLength(body);
  // Escaping never shrinks a body: one already over the threshold is not escaped to tell.
  if (bytes > MAX_INLINE_ENTRY_ESCAPED_BYTES) return true;
  return escapedEntryBytes(body) > MAX_INLINE_ENTRY_ESCAPED_BYTES || bytes > maxQueueMessageBytes;
};
