/**
 * The sizes that keep every payload inside the AWS quotas it travels through. A request body
 * reaches a Lambda function inside one invocation event, as a JSON string whose escaping can make
 * it larger than it is; what would not fit comes in through an upload.
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

/** Refuses a request body of `byteLength` bytes when it is over `MAX_INLINE_BODY_BYTES` (413 `payload_too_large`). */
export const assertInlineBodySize = (byteLength: number): void => {
  if (byteLength > MAX_INLINE_BODY_BYTES) throw payloadTooLarge(MAX_INLINE_BODY_BYTES);
};
