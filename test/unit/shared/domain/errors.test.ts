import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import * as errors from '../../../../lambdas/shared/domain/errors';
import {
  ApiError,
  ERROR_CODES,
  NOT_FOUND_RESOURCES,
  cannotPark,
  destinationNotAllowed,
  headChanged,
  headInFlight,
  idempotencyKeyReused,
  internalError,
  invalidJson,
  invalidRequest,
  keyRotationConflict,
  settingsConflict,
  noDestination,
  noSuchRoute,
  notAccepted,
  notFound,
  notPaused,
  notReplayable,
  payloadTooLarge,
  provisioningFailed,
  destinationNotEmpty,
  deletionIncomplete,
  payloadExpired,
  replayNotAccepted,
  resumedBeforeSkip,
  notUnverified,
  resumeOfUnverified,
  urlChangeWhilePaused,
  verificationFailed,
  unauthorized,
  unsupportedMediaType,
  invalidUpload,
  uploadIncomplete,
  uploadNotFound,
  uploadUsed,
  subscriptionExists,
} from '../../../../lambdas/shared/domain/errors';

// js-yaml comes with Jest (it has no type declarations of its own); only its `load` is used.
const { load } = createRequire(__filename)('js-yaml') as { load: (text: string) => unknown };

/** The parts of the OpenAPI document this test reads. */
interface OpenApi {
  readonly paths: Record<
    string,
    Record<string, { responses?: Record<string, { $ref?: string; description?: string }> }>
  >;
  readonly components: {
    readonly responses: { readonly Error: { readonly content: { 'application/json': { schema: ErrorSchema } } } };
  };
}
interface ErrorSchema {
  readonly properties: { readonly error: { readonly properties: { readonly code: { readonly enum: string[] } } } };
}

const openApi = load(readFileSync('docs/openapi.yaml', 'utf8')) as OpenApi;

/** Every factory, called once (each resource for `notFound`). */
const everyError = (): ApiError[] => [
  invalidRequest('x is required.'),
  invalidJson(),
  unauthorized('The Authorization header is missing.'),
  destinationNotAllowed('dst_1'),
  ...NOT_FOUND_RESOURCES.map((resource) => notFound(resource, 'x')),
  noSuchRoute(),
  notPaused(),
  resumedBeforeSkip(),
  headInFlight(),
  headChanged(),
  cannotPark(),
  notReplayable('The transmission is delivered.'),
  keyRotationConflict(),
  settingsConflict(),
  payloadTooLarge(3_000_000),
  unsupportedMediaType(),
  noDestination(),
  idempotencyKeyReused(),
  internalError(),
  notAccepted('A dependency failed.'),
  replayNotAccepted(),
  provisioningFailed(),
  destinationNotEmpty('3 entries are waiting for the destination (an approximate count).'),
  deletionIncomplete('its queue'),
  payloadExpired(7, '2026-01-01T00:00:00.000Z'),
  payloadExpired(0, '2026-01-08T00:00:00.000Z'),
  invalidUpload('The uploaded document (dataUpload) is nested deeper than 64 levels.'),
  uploadNotFound('upl_1'),
  uploadIncomplete('Nothing has been uploaded to this upload yet.'),
  uploadUsed(),
  subscriptionExists('sub_1'),
  notUnverified('active'),
  resumeOfUnverified(),
  urlChangeWhilePaused(),
  verificationFailed('http_error 404'),
];

describe('API errors', () => {
  it('lists every code once', () => {
    expect(new Set(ERROR_CODES).size).toBe(ERROR_CODES.length);
  });

  it('lists exactly the codes the OpenAPI document lists', () => {
    const documented =
      openApi.components.responses.Error.content['application/json'].schema.properties.error.properties.code.enum;
    expect(new Set(documented).size).toBe(documented.length);
    expect([...ERROR_CODES].sort()).toEqual([...documented].sort());
  });

  it('names in the OpenAPI responses only codes it lists', () => {
    const named = Object.values(openApi.paths)
      .flatMap((operations) => Object.values(operations))
      .flatMap((operation) => Object.values(operation.responses ?? {}))
      .filter((response) => response.$ref === '#/components/responses/Error')
      .flatMap((response) => [...(response.description ?? '').matchAll(/`([a-z_]+)`/g)].map((match) => match[1]));
    expect(named.length).toBeGreaterThan(0);
    for (const code of named) expect(ERROR_CODES).toContain(code);
  });

  it('has a factory for every code, and every factory is called above', () => {
    const factories = Object.entries(errors).filter(([, value]) => typeof value === 'function' && value !== ApiError);
    expect(factories.map(([name]) => name).sort()).toEqual(
      [
        'cannotPark',
        'deletionIncomplete',
        'destinationNotAllowed',
        'destinationNotEmpty',
        'headChanged',
        'headInFlight',
        'idempotencyKeyReused',
        'internalError',
        'invalidJson',
        'invalidRequest',
        'invalidUpload',
        'keyRotationConflict',
        'noDestination',
        'noSuchRoute',
        'notAccepted',
        'notFound',
        'notPaused',
        'notReplayable',
        'notUnverified',
        'payloadExpired',
        'payloadTooLarge',
        'provisioningFailed',
        'replayNotAccepted',
        'resumeOfUnverified',
        'resumedBeforeSkip',
        'settingsConflict',
        'subscriptionExists',
        'unauthorized',
        'unsupportedMediaType',
        'uploadIncomplete',
        'uploadNotFound',
        'uploadUsed',
        'urlChangeWhilePaused',
        'verificationFailed',
      ].sort(),
    );
    expect(new Set(everyError().map((error) => error.code))).toEqual(new Set(ERROR_CODES));
  });

  it.each([
    [400, 'invalid_json', invalidJson(), 'The body is not valid JSON.'],
    [401, 'unauthorized', unauthorized('The API key is not valid.'), 'The API key is not valid.'],
    [
      403,
      'destination_not_allowed',
      destinationNotAllowed('dst_1'),
      'meta.destinations names dst_1, which no subscription of this source covers for this dataModel and eventType.',
    ],
    [404, 'destination_not_found', notFound('destination', 'dst_x'), 'No destination with id "dst_x".'],
    [404, 'route_not_found', noSuchRoute(), 'No such route.'],
    [
      404,
      'upload_not_found',
      uploadNotFound('upl_x'),
      'dataUpload names "upl_x", which is not an upload of this source that can still be used (unknown, expired, or another source\'s); start a new one with POST /v1/uploads.',
    ],
    [
      409,
      'upload_incomplete',
      uploadIncomplete('The upload holds 3 bytes, not the 5 it announced.'),
      "The upload holds 3 bytes, not the 5 it announced. Finish the PUT to the upload's URL with exactly contentLength bytes, then send the message again.",
    ],
    [
      409,
      'upload_used',
      uploadUsed(),
      'dataUpload names an upload that already serves a message; an upload serves one message, so start a new one with POST /v1/uploads.',
    ],
    [
      409,
      'subscription_exists',
      subscriptionExists('sub_01J00000000000000000000000'),
      'Subscription sub_01J00000000000000000000000 already has this sourceId, destinationId, dataModel and eventType; nothing was created.',
    ],
    [
      409,
      'not_paused',
      notPaused(),
      'The destination is not paused; only the head of a paused destination can be skipped.',
    ],
    [
      409,
      'not_paused',
      resumedBeforeSkip(),
      'The destination resumed while the skip waited for its head; nothing was skipped.',
    ],
    [
      409,
      'head_in_flight',
      headInFlight(),
      'The head is being retried right now, or the queue is empty; try again in a few seconds.',
    ],
    [
      409,
      'head_changed',
      headChanged(),
      'The head is no longer the transmission the pause reported (it was delivered, or it is being retried); nothing was skipped. Read the destination again.',
    ],
    [
      409,
      'cannot_park',
      cannotPark(),
      'The head could not be kept for replay (too large for the store), so it was not skipped.',
    ],
    [
      409,
      'key_rotation_conflict',
      keyRotationConflict(),
      'Another key rotation of this source happened at the same time; retry.',
    ],
    [
      413,
      'payload_too_large',
      payloadTooLarge(3_000_000),
      'The body is larger than 3,000,000 bytes, the most a message carries inline; send larger data with POST /v1/uploads, then POST /v1/messages with dataUpload.',
    ],
    [
      415,
      'unsupported_media_type',
      unsupportedMediaType(),
      'The Content-Type header must be application/json (UTF-8).',
    ],
    [
      422,
      'no_destination',
      noDestination(),
      'No subscription of this source covers this meta.dataModel and meta.eventType.',
    ],
    [
      422,
      'idempotency_key_reused',
      idempotencyKeyReused(),
      'The Idempotency-Key header was already used with a different body.',
    ],
    [500, 'internal_error', internalError(), 'An internal error occurred. Retry later.'],
    [
      503,
      'not_accepted',
      notAccepted('The message could not be recorded.'),
      'The message could not be recorded. Nothing was acknowledged; retry with the same Idempotency-Key.',
    ],
    [503, 'not_accepted', replayNotAccepted(), 'The destination queue did not confirm the replay; retry.'],
    [
      503,
      'provisioning_failed',
      provisioningFailed(),
      'The destination queue or its mapping could not be created; retry.',
    ],
  ])('answers %i %s (case %#)', (status, code, error, message) => {
    expect(error).toBeInstanceOf(ApiError);
    expect({ status: error.statusCode, code: error.code, message: error.message }).toEqual({ status, code, message });
  });
});
