/**
 * Authenticating `POST /v1/messages` without waiting for the store: by the API key's record as a
 * warm function remembers it, while the record is read afresh at the same time, so that the
 * message's queue writes need not wait for the read. The message is committed only once the
 * fresh read confirms the source (`acceptMessage`).
 */
import type { Source } from '../shared/domain/model';
import { apiKeyHashOf, apiKeyWorksAt, confirmSourceOfApiKey, sourceOfApiKey } from '../shared/http/authenticate';
import type { ApiKeyHolder, Directory } from '../shared/ports/directory';

/**
 * What authentication reads: a key's record as stored now (`findApiKey`), and, where the
 * directory has a memory (`CachedDirectory`), the record as it last read it (or undefined).
 */
export type KeyDirectory = Pick<Directory, 'findApiKey'> & {
  rememberedApiKey?(apiKeyHash: string): ApiKeyHolder | undefined;
};

/** The source a request goes ahead with, and the store's word on it. */
export interface AuthenticatedSource {
  readonly source: Source;
  /**
   * Settles once the key's record, read afresh for this request, is judged: resolves when it
   * authorizes `source`; rejects with a 401 `unauthorized` `ApiError` when it does not (the key
   * unknown or deleted, past its grace period, or naming another source), or with the read's own
   * error when the read failed. Already resolved when `source` came from the store in the first
   * place. Its rejection is never unhandled, whether or not it is awaited.
   */
  readonly confirmed: Promise<void>;
}

/**
 * The source whose API key is in the `Authorization: Bearer` header. A key the directory
 * remembers, and which still works at `now`, answers at once, its record read afresh in parallel
 * (`confirmed`); any other key (unknown to the memory, or refused by what it remembers) is read
 * from the store first and judged by that read alone, so a request with such a key writes nothing
 * before its key is known. Exactly one read of the key's record per call.
 * @throws 401 `unauthorized` at once when the header is missing or malformed (no read); when the
 * key is not remembered: 401 as `sourceOfApiKey` decides, or what `findApiKey` throws
 */
export const authenticateByRememberedKey = async (
  authorization: string | undefined,
  directory: KeyDirectory,
  now: Date,
): Promise<AuthenticatedSource> => {
  const apiKeyHash = apiKeyHashOf(authorization);
  const fresh = directory.findApiKey(apiKeyHash);
  const remembered = directory.rememberedApiKey?.(apiKeyHash);
  if (remembered === undefined || !apiKeyWorksAt(remembered, now)) {
    return { source: sourceOfApiKey(await fresh, now), confirmed: Promise.resolve() };
  }
  const { source } = remembered;
  const confirmed = fresh.then((key) => confirmSourceOfApiKey(source, key, now));
  confirmed.catch(() => undefined);
  return { source, confirmed };
};
