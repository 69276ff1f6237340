/**
 * Every error the HTTP APIs answer with, in one place: its status, its code and its message.
 * Each code is listed once in `ERROR_CODES`; `docs/openapi.yaml` lists the same set (a unit test
 * holds the two together). Messages name the field or header at fault and never echo a payload.
 */

/** The resources whose unknown ids answer 404 `<resource>_not_found`. */
export const NOT_FOUND_RESOURCES = [
  'organization',
  'source',
  'destination',
  'message',
  'transmission',
  'subscription',
] as const;
/** One of `NOT_FOUND_RESOURCES`. */
export type NotFoundResource = (typeof NOT_FOUND_RESOURCES)[number];

/** Every `error.code` Conveyor answers with, 4xx and 5xx. */
export const ERROR_CODES = [
  'invalid_json',
  'invalid_request',
  'unauthorized',
  'destination_not_allowed',
  'organization_not_found',
  'source_not_found',
  'destination_not_found',
  'message_not_found',
  'transmission_not_found',
  'route_not_found',
  'not_paused',
  'head_in_flight',
  'head_changed',
  'cannot_park',
  'not_replayable',
  'key_rotation_conflict',
  // PATCH /v1/admin/destinations/{id}
  'settings_conflict',
  'payload_too_large',
  'unsupported_media_type',
  'no_destination',
  'idempotency_key_reused',
  'internal_error',
  'not_accepted',
  'provisioning_failed',
  'subscription_not_found',
  // POST /v1/admin/subscriptions
  'subscription_exists',
  // DELETE /v1/admin/destinations/{id}
  'destination_not_empty',
  'deletion_incomplete',
  // POST /v1/admin/destinations/{id}/redeliver
  'payload_expired',
  // POST /v1/messages with dataUpload
  'invalid_upload',
  'upload_not_found',
  'upload_incomplete',
  'upload_used',
  // POST /v1/admin/destinations/{id}/verify, resume, and PATCH of the url
  'not_unverified',
  'verification_failed',
  'unverified',
  'destination_paused',
] as const;

/** One of `ERROR_CODES`. */
export type ErrorCode = (typeof ERROR_CODES)[number];

/**
 * An error the API answers with its own status and code (`{"error": {"code", "message"}}`).
 * Anything else that escapes a handler is answered as a generic 500 `internal_error` whose body
 * carries no internals (see `apiErrors` in `shared/http/api-errors.ts`). Build one with the
 * factories below, never directly.
 */
export class ApiError extends Error {
  constructor(
    /** The HTTP status, 4xx or 5xx. */
    readonly statusCode: number,
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

// 400

/** 400 `invalid_request`: `message` is a sentence naming the field, header or parameter at fault. */
export const invalidRequest = (message: string): ApiError => new ApiError(400, 'invalid_request', message);

/** 400 `invalid_json`: the body is not JSON at all. */
export const invalidJson = (): ApiError => new ApiError(400, 'invalid_json', 'The body is not valid JSON.');

/**
 * 400 `invalid_upload`: the uploaded document breaks a rule of the JSON a message carries; `rule`
 * is a sentence saying which (never the content), from `checkJsonDocument` (json-document.ts).
 */
export const invalidUpload = (rule: string): ApiError => new ApiError(400, 'invalid_upload', rule);

// 401

/** 401 `unauthorized`: `message` says what is wrong with the `Authorization` header or its key. */
export const unauthorized = (message: string): ApiError => new ApiError(401, 'unauthorized', message);

// 403

/** 403 `destination_not_allowed`: `meta.destinations` names a destination no subscription of the source covers. */
export const destinationNotAllowed = (destinationId: string): ApiError =>
  new ApiError(
    403,
    'destination_not_allowed',
    `meta.destinations names ${destinationId}, which no subscription of this source covers for this dataModel and eventType.`,
  );

// 404

/** How much of an unknown id a 404 repeats: ids are under 40 characters; a path can be kilobytes of junk. */
const MAX_ECHOED_ID = 64;

/** 404 `<resource>_not_found`, such as `destination_not_found`; also for ids of the wrong shape. */
export const notFound = (resource: NotFoundResource, id: string): ApiError =>
  new ApiError(
    404,
    `${resource}_not_found`,
    `No ${resource.replace(/_/g, ' ')} with id ${JSON.stringify(id.length > MAX_ECHOED_ID ? `${id.slice(0, MAX_ECHOED_ID)}…` : id)}.`,
  );

/**
 * 404 `upload_not_found`: `dataUpload` names no upload this source can still use. Unknown,
 * another source's and expired uploads get the same answer, so a source learns nothing of others'.
 */
export const uploadNotFound = (uploadId: string): ApiError =>
  new ApiError(
    404,
    'upload_not_found',
    `dataUpload names ${JSON.stringify(uploadId.length > MAX_ECHOED_ID ? `${uploadId.slice(0, MAX_ECHOED_ID)}…` : uploadId)}, which is not an upload of this source that can still be used (unknown, expired, or another source's); start a new one with POST /v1/uploads.`,
  );

/** 404 `route_not_found`: no route matches the method and path (also planned, unserved operations). */
export const noSuchRoute = (): ApiError => new ApiError(404, 'route_not_found', 'No such route.');

// 409

/** 409 `not_paused`: a skip of a destination that is not paused. */
export const notPaused = (): ApiError =>
  new ApiError(
    409,
    'not_paused',
    'The destination is not paused; only the head of a paused destination can be skipped.',
  );

/** 409 `not_unverified`: `POST …/verify` of a destination that is not waiting for verification. */
export const notUnverified = (status: string): ApiError =>
  new ApiError(
    409,
    'not_unverified',
    `The destination is ${status}; only an unverified destination's endpoint can be verified.`,
  );

/** 409 `unverified`: a resume of a destination whose endpoint has not echoed the verification challenge. */
export const resumeOfUnverified = (): ApiError =>
  new ApiError(
    409,
    'unverified',
    "The destination's endpoint is not verified yet; POST /v1/admin/destinations/{id}/verify makes it active.",
  );

/**
 * 409 `destination_paused`: a URL change on a paused destination that requires verification (its
 * pause, head and spill are not handed over to verification; resume or skip first).
 */
export const urlChangeWhilePaused = (): ApiError =>
  new ApiError(
    409,
    'destination_paused',
    'The url of a paused destination that requires verification cannot change: resume it or skip its head first.',
  );

/** 422 `verification_failed`: the endpoint did not echo the challenge; `reason` says how (never its answer). */
export const verificationFailed = (reason: string): ApiError =>
  new ApiError(
    422,
    'verification_failed',
    `The endpoint did not echo the verification challenge (${reason}); the destination stays unverified.`,
  );

/** 409 `not_paused`: the destination resumed while a skip waited for its head. */
export const resumedBeforeSkip = (): ApiError =>
  new ApiError(409, 'not_paused', 'The destination resumed while the skip waited for its head; nothing was skipped.');

/** 409 `head_in_flight`: a worker kept the head for longer than a skip waits, or the queue showed no head. */
export const headInFlight = (): ApiError =>
  new ApiError(
    409,
    'head_in_flight',
    'The head is being retried right now, or the queue is empty; try again in a few seconds.',
  );

/** 409 `head_changed`: the head is no longer the transmission the pause named, so a skip changed nothing. */
export const headChanged = (): ApiError =>
  new ApiError(
    409,
    'head_changed',
    'The head is no longer the transmission the pause reported (it was delivered, or it is being retried); nothing was skipped. Read the destination again.',
  );

/** 409 `cannot_park`: the head could not be kept for replay, so the skip changed nothing. */
export const cannotPark = (): ApiError =>
  new ApiError(
    409,
    'cannot_park',
    'The head could not be kept for replay (too large for the store), so it was not skipped.',
  );

/** 409 `not_replayable`: `message` says why (its status, its parked entry gone, no longer skipped). */
export const notReplayable = (message: string): ApiError => new ApiError(409, 'not_replayable', message);

/**
 * 409 `upload_incomplete`: the upload's object is not there yet, or holds another number of bytes
 * than the upload announced; `detail` says which (a sentence ending in a full stop).
 */
export const uploadIncomplete = (detail: string): ApiError =>
  new ApiError(
    409,
    'upload_incomplete',
    `${detail} Finish the PUT to the upload's URL with exactly contentLength bytes, then send the message again.`,
  );

/** 409 `upload_used`: the upload already serves a message (an upload serves one). */
export const uploadUsed = (): ApiError =>
  new ApiError(
    409,
    'upload_used',
    'dataUpload names an upload that already serves a message; an upload serves one message, so start a new one with POST /v1/uploads.',
  );

/**
 * 409 `subscription_exists`: a subscription with the same sourceId, destinationId, dataModel and
 * eventType (or the same absence of one) exists already; `existingId` is its id.
 */
export const subscriptionExists = (existingId: string): ApiError =>
  new ApiError(
    409,
    'subscription_exists',
    `Subscription ${existingId} already has this sourceId, destinationId, dataModel and eventType; nothing was created.`,
  );

/** 409 `key_rotation_conflict`: another rotation of the same source happened at the same time. */
export const keyRotationConflict = (): ApiError =>
  new ApiError(409, 'key_rotation_conflict', 'Another key rotation of this source happened at the same time; retry.');

/**
 * 409 `settings_conflict`: a new URL for a destination created with verification, whose status kept
 * changing (pauses, resumes, verifications) while the change was written; nothing changed.
 */
export const settingsConflict = (): ApiError =>
  new ApiError(
    409,
    'settings_conflict',
    "The destination's status kept changing while its url was changed; nothing was changed; retry.",
  );

/**
 * 409 `destination_not_empty`: a DELETE without `force=true` of a destination with entries waiting
 * (`waiting` of them, by SQS's approximate counts and the spill), or paused (its head waits).
 */
export const destinationNotEmpty = (why: string): ApiError =>
  new ApiError(
    409,
    'destination_not_empty',
    `${why} Nothing was changed; deliver or skip them first, or delete with force=true to cancel them.`,
  );

// 413, 415, 422

/**
 * 413 `payload_too_large`: the body is over `maxBytes` (`MAX_INLINE_BODY_BYTES` in
 * size-limits.ts); the message names the route larger documents take.
 */
export const payloadTooLarge = (maxBytes: number): ApiError =>
  new ApiError(
    413,
    'payload_too_large',
    `The body is larger than ${maxBytes.toLocaleString('en-US')} bytes, the most a message carries inline; ` +
      'send larger data with POST /v1/uploads, then POST /v1/messages with dataUpload.',
  );

/** 415 `unsupported_media_type`: the body is not declared `application/json` (UTF-8). */
export const unsupportedMediaType = (): ApiError =>
  new ApiError(415, 'unsupported_media_type', 'The Content-Type header must be application/json (UTF-8).');

/** 422 `no_destination`: no subscription of the source covers the message's data model and event type. */
export const noDestination = (): ApiError =>
  new ApiError(422, 'no_destination', 'No subscription of this source covers this meta.dataModel and meta.eventType.');

/** 422 `idempotency_key_reused`: the key was already used by this source with a different body. */
export const idempotencyKeyReused = (): ApiError =>
  new ApiError(422, 'idempotency_key_reused', 'The Idempotency-Key header was already used with a different body.');

// 5xx

/** 500 `internal_error`: what any error other than an ApiError is answered with; no internals. */
export const internalError = (): ApiError =>
  new ApiError(500, 'internal_error', 'An internal error occurred. Retry later.');

/**
 * 503 `not_accepted` for `POST /v1/messages`: nothing was acknowledged. `reason` is a sentence
 * (ending in a full stop) saying what failed; the message adds that the sender retries.
 */
export const notAccepted = (reason: string): ApiError =>
  new ApiError(503, 'not_accepted', `${reason} Nothing was acknowledged; retry with the same Idempotency-Key.`);

/** 503 `not_accepted` for a replay: the destination queue did not confirm the write. */
export const replayNotAccepted = (): ApiError =>
  new ApiError(503, 'not_accepted', 'The destination queue did not confirm the replay; retry.');

/** 503 `provisioning_failed`: the destination's queue or mapping could not be created. */
export const provisioningFailed = (): ApiError =>
  new ApiError(503, 'provisioning_failed', 'The destination queue or its mapping could not be created; retry.');

/**
 * 503 `deletion_incomplete`: a destination's deletion did not finish; `detail` says what is left
 * (its mapping, queue or spill not removed yet: a call failed, or the mapping is still being
 * deleted) or why nothing was changed. Once recorded, the destination already answers 404 and
 * nothing delivers to it; a repeated DELETE finishes the job.
 */
export const deletionIncomplete = (detail: string): ApiError =>
  new ApiError(503, 'deletion_incomplete', `The destination's deletion did not finish: ${detail}. Repeat the DELETE.`);

/**
 * 409: a redelivery's range reaches back beyond the payload retention (or the deployment keeps no
 * payloads); nothing was enqueued.
 */
export const payloadExpired = (retentionDays: number, oldestKept: string): ApiError =>
  new ApiError(
    409,
    'payload_expired',
    retentionDays === 0
      ? 'This deployment keeps no delivered payloads (payload retention 0 days); nothing was enqueued.'
      : `Delivered payloads are kept ${retentionDays} days: since must be at or after ${oldestKept}. Nothing was enqueued.`,
  );
