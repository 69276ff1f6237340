import { unauthorized } from '../domain/errors';
import { hashApiKey } from '../domain/ids';
import type { Source } from '../domain/model';
import type { Directory } from '../ports/directory';

const BEARER = /^Bearer ([A-Za-z0-9_-]{1,200})$/;

/**
 * The source whose API key is in the `Authorization: Bearer` header. Throws 401 `unauthorized`
 * when the header is missing or malformed, the key unknown, or replaced and past its grace period
 * (`validUntil` compared with `now`).
 */
export const authenticateSource = async (
  authorization: string | undefined,
  directory: Pick<Directory, 'findApiKey'>,
  now: Date,
): Promise<Source> => {
  if (authorization === undefined) {
    throw unauthorized('The Authorization header is missing; send "Bearer <source API key>".');
  }
  const apiKey = BEARER.exec(authorization.trim())?.[1];
  if (apiKey === undefined) {
    throw unauthorized('The Authorization header must be "Bearer <source API key>".');
  }
  const key = await directory.findApiKey(hashApiKey(apiKey));
  if (!key) throw unauthorized('The API key in the Authorization header is not valid.');
  if (key.validUntil !== undefined && Date.parse(key.validUntil) <= now.getTime()) {
    throw unauthorized(
      'The API key in the Authorization header was replaced by a newer key and its grace period is over.',
    );
  }
  return key.source;
};
