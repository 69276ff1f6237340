/**
 * Integrator authentication: `Authorization: Bearer <source API key>`, the key stored as its
 * SHA-256 hash with the source it belongs to (and, once replaced, until when it still works). The
 * one place that turns a key's record into a source or a 401.
 */
import { unauthorized } from '../domain/errors';
import { hashApiKey } from '../domain/ids';
import type { Source } from '../domain/model';
import type { ApiKeyHolder, Directory } from '../ports/directory';

const BEARER = /^Bearer ([A-Za-z0-9_-]{1,200})$/;

const UNKNOWN_KEY = 'The API key in the Authorization header is not valid.';
const GRACE_PERIOD_OVER =
  'The API key in the Authorization header was replaced by a newer key and its grace period is over.';

/**
 * The hash under which the key in an `Authorization: Bearer <key>` header is stored (SHA-256, hex).
 * Reads nothing.
 * @throws 401 `unauthorized` when the header is missing, or is not `Bearer` and a key of 1 to 200
 * characters of `A-Z a-z 0-9 _ -`
 */
export const apiKeyHashOf = (authorization: string | undefined): string => {
  if (authorization === undefined) {
    throw unauthorized('The Authorization header is missing; send "Bearer <source API key>".');
  }
  const apiKey = BEARER.exec(authorization.trim())?.[1];
  if (apiKey === undefined) {
    throw unauthorized('The Authorization header must be "Bearer <source API key>".');
  }
  return hashApiKey(apiKey);
};

/**
 * Whether a key's record still works at `now`: true unless the key was replaced and its grace
 * period (`validUntil`) is over.
 */
export const apiKeyWorksAt = (key: ApiKeyHolder, now: Date): boolean =>
  key.validUntil === undefined || Date.parse(key.validUntil) > now.getTime();

/**
 * The source a key's record authorizes at `now`.
 * @throws 401 `unauthorized` when there is no record (an unknown key, or one deleted with its
 * source), or the key was replaced and its grace period is over at `now` (`apiKeyWorksAt`)
 */
export const sourceOfApiKey = (key: ApiKeyHolder | undefined, now: Date): Source => {
  if (key === undefined) throw unauthorized(UNKNOWN_KEY);
  if (!apiKeyWorksAt(key, now)) throw unauthorized(GRACE_PERIOD_OVER);
  return key.source;
};

/**
 * Checks a key's record as read from the store against `source`, the source a warm function
 * remembered for the key and a request went ahead with.
 * @throws 401 `unauthorized` as `sourceOfApiKey` does, and with the unknown key's message when
 * the record names another source
 */
export const confirmSourceOfApiKey = (source: Source, key: ApiKeyHolder | undefined, now: Date): void => {
  if (sourceOfApiKey(key, now).id !== source.id) throw unauthorized(UNKNOWN_KEY);
};

/**
 * The source whose API key is in the `Authorization: Bearer` header, its record read from
 * `directory` before anything else is done.
 * @throws 401 `unauthorized` when the header is missing or malformed (`apiKeyHashOf`), the key
 * unknown, or replaced and past its grace period (`validUntil` compared with `now`:
 * `sourceOfApiKey`); what `findApiKey` throws when the read fails
 */
export const authenticateSource = async (
  authorization: string | undefined,
  directory: Pick<Directory, 'findApiKey'>,
  now: Date,
): Promise<Source> => sourceOfApiKey(await directory.findApiKey(apiKeyHashOf(authorization)), now);
