// Zod's mini build: the same checks and messages as the classic one in a fifth of its code (a
// bundle reads it at every cold start of the ingest and admin functions).
import * as z from 'zod/mini';
import { certificateRequestFields, certificateUpdateFields } from './client-certificates';
import { invalidRequest } from './errors';
import { isId, type IdKind } from './ids';
import { MAX_UPLOAD_BYTES } from './size-limits';

const PRINTABLE_ASCII = /^[\x20-\x7e]+$/;

/** A trimmed-length-checked string; the messages complete a sentence that starts with the field name. */
const text = (max: number) =>
  z.string({ error: (issue) => (issue.input === undefined ? 'is required' : 'must be a string') }).check(
    z.minLength(1, 'must not be empty'),
    z.maxLength(max, `must be at most ${max} characters`),
    z.refine((value) => value.trim().length > 0, 'must not be blank'),
  );

/** A name-like token such as a data model or event type: printable ASCII. */
const token = (max: number) => text(max).check(z.regex(PRINTABLE_ASCII, 'must be printable ASCII'));

const id = (kind: IdKind) =>
  z
    .string({ error: (issue) => (issue.input === undefined ? 'is required' : 'must be a string') })
    .check(z.refine((value) => isId(kind, value), `must be ${/^[aeiou]/.test(kind) ? 'an' : 'a'} ${kind} id`));

/**
 * Body of `POST /v1/messages`: `meta` and exactly one of `data` (carried as raw text, never
 * re-serialised) and `dataUpload` (an upload's id, whose document becomes `data`).
 */
export const messageRequestSchema = z
  .strictObject(
    {
      meta: z.strictObject(
        {
          dataModel: token(128),
          eventType: token(128),
          destinations: z.optional(
            z.array(id('destination'), { error: 'must be an array of destination ids' }).check(
              z.minLength(1, 'must name at least one destination'),
              z.maxLength(50, 'must name at most 50 destinations'),
              z.refine((ids) => new Set(ids).size === ids.length, 'must not name a destination twice'),
            ),
          ),
        },
        { error: (issue) => (issue.input === undefined ? 'is required' : 'must be an object') },
      ),
      // Any JSON, null included: only its absence counts as absent.
      data: z.optional(z.unknown()),
      dataUpload: z.optional(id('upload')),
    },
    { error: 'must be an object' },
  )
  .check(
    z.refine((request) => (request.data !== undefined) !== (request.dataUpload !== undefined), {
      error: (issue) =>
        (issue.input as { data?: unknown }).data === undefined
          ? 'needs data (the document inline) or dataUpload (an upload of it), exactly one of them'
          : 'has both data and dataUpload; send exactly one of them',
    }),
  );
/** A valid body of `POST /v1/messages`. */
export type MessageRequest = z.infer<typeof messageRequestSchema>;

/** Body of `POST /v1/uploads` (`contentLength` in bytes, 1 to `MAX_UPLOAD_BYTES`). */
export const uploadRequestSchema = z.strictObject(
  {
    contentLength: z
      .int({
        error: (issue) => (issue.input === undefined ? 'is required' : 'must be an integer number of bytes'),
      })
      .check(
        z.minimum(1, 'must be at least 1 byte'),
        z.maximum(MAX_UPLOAD_BYTES, `must be at most ${MAX_UPLOAD_BYTES.toLocaleString('en-US')} bytes`),
      ),
  },
  { error: 'must be an object' },
);

/** An alert address: a valid email address (254 characters at most, RFC 5321's path limit). */
const alertEmail = z
  .email({
    error: (issue) => (issue.input === undefined ? 'is required' : 'must be a valid email address'),
  })
  .check(z.maxLength(254, 'must be at most 254 characters'));

/** Body of `POST /v1/admin/organizations`. */
export const organizationRequestSchema = z.strictObject({ name: text(200), alertEmail });

/** A change must name at least one field: an empty body is refused (400), not taken as a no-op. */
const someField = (value: object) => Object.keys(value).length > 0;
const NO_FIELD = 'must name at least one field to change';

/** Body of `PATCH /v1/admin/organizations/{orgId}`: the creation's fields, each optional, at least one. */
export const organizationUpdateSchema = z.partial(organizationRequestSchema).check(z.refine(someField, NO_FIELD));

/** Body of `POST /v1/admin/organizations/{orgId}/sources`. */
export const sourceRequestSchema = z.strictObject({ name: text(200) });

/** How long a replaced API key keeps working: a day unless asked, at most 30 days, 0 to stop it now. */
export const KEY_GRACE_LIMITS_SECONDS = { default: 86_400, max: 30 * 86_400 } as const;

/** Body of `POST /v1/admin/sources/{sourceId}/keys` (`graceSeconds` in seconds). */
export const keyRotationRequestSchema = z.strictObject({
  graceSeconds: z.optional(
    z
      .int({ error: 'must be an integer number of seconds' })
      .check(
        z.minimum(0, 'must be at least 0'),
        z.maximum(KEY_GRACE_LIMITS_SECONDS.max, `must be at most ${KEY_GRACE_LIMITS_SECONDS.max}`),
      ),
  ),
});

/** Destination timeouts: long enough for a slow EHR, short enough to keep a batch within its Lambda. */
export const TIMEOUT_LIMITS_MS = { min: 1000, max: 30_000, default: 10_000 } as const;

/** Quick retries of a transient failure inside one invocation, before the destination pauses. */
export const INLINE_RETRY_LIMITS = { max: 5, default: 2 } as const;

/**
 * A destination's delivery rate: from one every 100 s (a receiver that takes a batch job's pace)
 * to 1000 a second, beyond what one FIFO message group delivers one at a time anyway.
 */
export const MAX_PER_SECOND_LIMITS = { min: 0.01, max: 1000 } as const;

const maxPerSecond = z
  .number({ error: 'must be a number of deliveries per second' })
  .check(
    z.minimum(MAX_PER_SECOND_LIMITS.min, `must be at least ${MAX_PER_SECOND_LIMITS.min}`),
    z.maximum(MAX_PER_SECOND_LIMITS.max, `must be at most ${MAX_PER_SECOND_LIMITS.max}`),
  );

/** Body of `POST /v1/admin/organizations/{orgId}/destinations` (`timeoutMs` in ms, `maxPerSecond` deliveries a second). */
export const destinationRequestSchema = z.strictObject({
  name: text(200),
  url: text(2048),
  timeoutMs: z.optional(
    z
      .int({ error: 'must be an integer number of milliseconds' })
      .check(
        z.minimum(TIMEOUT_LIMITS_MS.min, `must be at least ${TIMEOUT_LIMITS_MS.min}`),
        z.maximum(TIMEOUT_LIMITS_MS.max, `must be at most ${TIMEOUT_LIMITS_MS.max}`),
      ),
  ),
  inlineRetries: z.optional(
    z
      .int({ error: 'must be an integer' })
      .check(
        z.minimum(0, 'must be at least 0'),
        z.maximum(INLINE_RETRY_LIMITS.max, `must be at most ${INLINE_RETRY_LIMITS.max}`),
      ),
  ),
  maxPerSecond: z.optional(maxPerSecond),
  // Endpoint verification for this destination (absent: the deployment's `VERIFY_DESTINATIONS`); set at creation only.
  verify: z.optional(z.boolean({ error: 'must be true or false' })),
  // mTLS and a private CA (client-certificates.ts).
  ...certificateRequestFields,
});

/**
 * Body of `PATCH /v1/admin/destinations/{id}`: the creation's fields and rules (`name`, `url`,
 * `timeoutMs` in ms, `inlineRetries`, `maxPerSecond`, `clientCertificate`, `clientKey`, `caBundle`),
 * each optional, at least one; `maxPerSecond: null` removes the limit, `clientCertificate: null` mTLS,
 * `caBundle: null` the private CA; `clientCertificateOverlapSeconds` goes with a new pair. Not
 * `verify`, which is chosen at creation.
 */
export const destinationUpdateSchema = z
  .extend(z.partial(z.omit(destinationRequestSchema, { verify: true })), {
    maxPerSecond: z.optional(z.nullable(maxPerSecond)),
    ...certificateUpdateFields,
  })
  .check(z.refine(someField, NO_FIELD));

/** Body of `POST /v1/admin/destinations/{id}/skip` (optional): why, for the audit trail only. */
export const skipRequestSchema = z.strictObject({ reason: z.optional(text(500)) });

/** ISO 8601: a date, or a date and time with seconds optional and a zone (`Z` or `±hh:mm`). */
export const ISO_8601_TIME = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2}))?$/;

/** A time in a body, normalised as `toISOString` writes it (how arrivals store `arrivedAt`). */
const isoTime = z.pipe(
  z
    .string({ error: (issue) => (issue.input === undefined ? 'is required' : 'must be a string') })
    .check(
      z.refine(
        (value) => ISO_8601_TIME.test(value) && !Number.isNaN(Date.parse(value)),
        'must be an ISO 8601 time, such as 2026-01-31T09:00:00Z',
      ),
    ),
  z.transform((value: string) => new Date(Date.parse(value)).toISOString()),
);

/**
 * Body of `POST /v1/admin/destinations/{id}/redeliver`: the range [since, until) of arrival times
 * (ISO 8601, `since` before `until`) and an optional reason for the audit trail.
 */
export const redeliverRequestSchema = z
  .strictObject({ since: isoTime, until: isoTime, reason: z.optional(text(500)) })
  .check(z.refine(({ since, until }) => since < until, { message: 'must be after since', path: ['until'] }));

/** Body of `POST /v1/admin/subscriptions`. */
export const subscriptionRequestSchema = z.strictObject({
  sourceId: id('source'),
  destinationId: id('destination'),
  dataModel: token(128),
  eventType: z.optional(token(128)),
});

/** The `Idempotency-Key` header: 1–255 printable ASCII characters. */
export const idempotencyKeySchema = z.string().check(z.minLength(1), z.maxLength(255), z.regex(PRINTABLE_ASCII));

/**
 * Validates `input` against `schema`, answering 400 `invalid_request` with a sentence that names
 * the first field at fault (never echoing its value).
 */
export const parseRequest = <T>(schema: z.ZodMiniType<T>, input: unknown): T => {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const [issue] = result.error.issues;
  // A failed parse has at least one issue.
  if (!issue) throw invalidRequest('The request is not valid.');
  const path = issue.path.map(String).join('.');
  if (issue.code === 'unrecognized_keys') {
    const field = [path, issue.keys[0]?.slice(0, 64)].filter(Boolean).join('.');
    throw invalidRequest(`${field} is not a known field.`);
  }
  throw invalidRequest(path ? `${path} ${issue.message}.` : `The body ${issue.message}.`);
};
