/** `authenticate.ts`: the one place a key's record becomes a source or a 401. */
import { hashApiKey } from '../../../../lambdas/shared/domain/ids';
import type { Source } from '../../../../lambdas/shared/domain/model';
import {
  apiKeyHashOf,
  authenticateSource,
  confirmSourceOfApiKey,
  sourceOfApiKey,
} from '../../../../lambdas/shared/http/authenticate';

const now = new Date('2026-11-26T10:00:00.000Z');
const source: Source = { id: 'src_1', organizationId: 'org_1', name: 'EHR', createdAt: '' };
const UNKNOWN_KEY = 'The API key in the Authorization header is not valid.';
const GRACE_PERIOD_OVER =
  'The API key in the Authorization header was replaced by a newer key and its grace period is over.';

describe('apiKeyHashOf', () => {
  it('answers the SHA-256 of the bearer key, as keys are stored', () => {
    expect(apiKeyHashOf('Bearer cvk_abc-_1 ')).toBe(hashApiKey('cvk_abc-_1'));
  });

  it.each([
    [undefined, 'The Authorization header is missing; send "Bearer <source API key>".'],
    ['Basic dXNlcg==', 'The Authorization header must be "Bearer <source API key>".'],
    ['Bearer a.b', 'The Authorization header must be "Bearer <source API key>".'],
    [`Bearer ${'k'.repeat(201)}`, 'The Authorization header must be "Bearer <source API key>".'],
  ])('answers %s with 401: %s', (authorization, message) => {
    expect(() => apiKeyHashOf(authorization)).toThrow(expect.objectContaining({ statusCode: 401, message }));
  });
});

describe('sourceOfApiKey', () => {
  it.each([
    ['no record', undefined, UNKNOWN_KEY],
    ['a key whose grace period ends now', { source, validUntil: now.toISOString() }, GRACE_PERIOD_OVER],
  ])('refuses %s with 401', (_case, key, message) => {
    expect(() => sourceOfApiKey(key, now)).toThrow(expect.objectContaining({ statusCode: 401, message }));
  });

  it('answers the source of a current key, and of a replaced one still in its grace period', () => {
    expect(sourceOfApiKey({ source }, now)).toBe(source);
    expect(sourceOfApiKey({ source, validUntil: '2026-11-26T10:00:00.001Z' }, now)).toBe(source);
  });
});

describe('confirmSourceOfApiKey', () => {
  it('confirms a record that still names the source', () => {
    expect(() => confirmSourceOfApiKey(source, { source }, now)).not.toThrow();
  });

  it.each([
    ['no record', undefined, UNKNOWN_KEY],
    ['a key past its grace period', { source, validUntil: '2026-11-26T09:59:59.999Z' }, GRACE_PERIOD_OVER],
    ['a record naming another source', { source: { ...source, id: 'src_2' } }, UNKNOWN_KEY],
  ])('refuses %s with 401', (_case, key, message) => {
    expect(() => confirmSourceOfApiKey(source, key, now)).toThrow(
      expect.objectContaining({ statusCode: 401, code: 'unauthorized', message }),
    );
  });
});

describe('authenticateSource', () => {
  it('reads the key’s record and judges it', async () => {
    const findApiKey = jest.fn().mockResolvedValue({ source });

    await expect(authenticateSource('Bearer cvk_1', { findApiKey }, now)).resolves.toBe(source);
    expect(findApiKey).toHaveBeenCalledWith(hashApiKey('cvk_1'));
  });

  it('reads nothing when the header is malformed', async () => {
    const findApiKey = jest.fn();

    await expect(authenticateSource('cvk_1', { findApiKey }, now)).rejects.toMatchObject({ statusCode: 401 });
    expect(findApiKey).not.toHaveBeenCalled();
  });
});
