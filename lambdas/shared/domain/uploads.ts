/**
 * Uploads: a large document sent straight to the payload bucket with a presigned PUT
 * (`POST /v1/uploads`), then named by one message (`dataUpload`), whose payload object it becomes.
 *
 *   POST /v1/uploads ── record (unused) ── PUT (integrator, ≤ 15 min) ── message: checked, claimed
 *   (used, object tagged used) ── queue entries carry its key and ETag ── delivered from it
 *   └ never used: the message can no longer take it after `usableSeconds` (23 h by default), the
 *     bucket's lifecycle rule deletes the object 1 day after its creation (tag `unused`), the
 *     record's TTL sweeps the record ~2 h after it stopped being usable.
 */

/** How long a presigned upload URL is valid, in seconds (contract v1.1: 15 minutes). */
export const UPLOAD_URL_SECONDS = 15 * 60;

/**
 * How long after its creation an upload can serve a message, in seconds, by default. The bucket's
 * lifecycle rule expires an unused upload's object 1 day after its creation, rounded up to the
 * next midnight UTC (S3 lifecycle: "Days" counts from creation, at midnight UTC), so never in
 * under 24 h; a message checks and tags its upload within an ingest invocation (15 s at most),
 * and stopping an hour short leaves the rule no chance to take an object a message just took.
 */
export const DEFAULT_UPLOAD_USABLE_SECONDS = 23 * 60 * 60;

/** How long the record of an upload outlives its usability (TTL), in seconds: `upload_used` stays answerable meanwhile. */
export const UPLOAD_RECORD_GRACE_SECONDS = 2 * 60 * 60;

/**
 * The object tag the bucket's lifecycle rule reads: set to `unused` by the presigned PUT itself
 * (a signed `x-amz-tagging` header), changed to `used` when a message takes the upload, so only
 * unused uploads expire after a day (a used one is payload, kept for the payload retention).
 */
export const UPLOAD_TAG = { key: 'conveyor-upload', unused: 'unused', used: 'used' } as const;

/** Where uploads live in the payload bucket: under the source's own prefix (IAM names `uploads/*`). */
export const UPLOADS_PREFIX = 'uploads/';

/** The object key of an upload: `uploads/<sourceId>/<uploadId>`. */
export const uploadObjectKey = (sourceId: string, uploadId: string): string =>
  `${UPLOADS_PREFIX}${sourceId}/${uploadId}`;

/** The record of an upload, kept from its creation until its TTL (`usableUntil` + `UPLOAD_RECORD_GRACE_SECONDS`). */
export interface UploadRecord {
  readonly uploadId: string;
  readonly sourceId: string;
  /** The exact size the document must have, in bytes (1 to `MAX_UPLOAD_BYTES`). */
  readonly contentLength: number;
  /** ISO 8601. */
  readonly createdAt: string;
  /** ISO 8601: no message can take the upload from then on (`upload_not_found`). */
  readonly usableUntil: string;
  /** The message it serves, once one took it (`upload_used` for any other). */
  readonly messageId?: string;
}

/** What an integrator is given to upload a document: `POST /v1/uploads`'s answer. */
export interface PresignedUpload {
  readonly uploadId: string;
  readonly url: string;
  readonly method: 'PUT';
  /** Headers the PUT must carry exactly (they are signed). */
  readonly headers: Readonly<Record<string, string>>;
  /** ISO 8601: when the URL stops working. */
  readonly expiresAt: string;
}
