import { createHash } from 'node:crypto';
import {
  apiKeyKey,
  arrivalCursorKey,
  arrivalKey,
  attemptKey,
  attemptsOfTransmission,
  destinationKey,
  idempotencyKey,
  messageKey,
  organizationKey,
  outboxKey,
  PARKED_CHUNK_PREFIX,
  parkedChunkKey,
  parkedKey,
  pausedKey,
  proberLeaseKey,
  sourceKey,
  spillChunkKey,
  spilledEntryPrefix,
  subscriptionKey,
  subscriptionsOfSource,
  subscriptionTermsKey,
  TABLE_SCHEMA,
} from '../../../../../lambdas/shared/adapters/dynamodb/keys';

describe('the table layout', () => {
  it('names the key attributes and the TTL attribute the table is created with', () => {
    expect(TABLE_SCHEMA).toEqual({ partitionKey: 'pk', sortKey: 'sk', timeToLiveAttribute: 'expiresAt' });
  });

  it('keys every item kind as the stored data has it', () => {
    expect([
      organizationKey('org_1'),
      sourceKey('src_1'),
      subscriptionKey('src_1', 'sub_1'),
      apiKeyKey('abc'),
      destinationKey('dst_1'),
      pausedKey('dst_1'),
      messageKey('msg_1'),
      arrivalKey('dst_1', 42),
      arrivalCursorKey('dst_1', '000000000042'),
      parkedKey('trn_1'),
      outboxKey({ createdAt: '2026-01-01T00:00:00.000Z', id: 'mail_1' }),
      proberLeaseKey(),
    ]).toEqual([
      { pk: 'ORG#org_1', sk: 'ORG' },
      { pk: 'SRC#src_1', sk: 'SRC' },
      { pk: 'SRC#src_1', sk: 'SUB#sub_1' },
      { pk: 'APIKEY#abc', sk: 'APIKEY' },
      { pk: 'DST#dst_1', sk: 'DST' },
      { pk: 'PAUSED', sk: 'dst_1' },
      { pk: 'MSG#msg_1', sk: 'MSG' },
      { pk: 'ARR#dst_1', sk: '000000000042' },
      { pk: 'ARR#dst_1', sk: '000000000042' },
      { pk: 'PARK#trn_1', sk: 'PARK' },
      { pk: 'OUTBOX', sk: '2026-01-01T00:00:00.000Z#mail_1' },
      { pk: 'PROBER', sk: 'LEASE' },
    ]);
    expect(subscriptionsOfSource('src_1')).toEqual({ pk: 'SRC#src_1', prefix: 'SUB#' });
  });

  it('keys an email that waits (a Resumed email in its settling time) by when it is due, after every email due before it', () => {
    const waiting = outboxKey({
      createdAt: '2026-01-01T00:00:00.000Z',
      notBefore: '2026-01-01T00:05:00.000Z',
      id: 'a',
    });
    const dueNow = outboxKey({ createdAt: '2026-01-01T00:01:00.000Z', id: 'b' });

    expect(waiting).toEqual({ pk: 'OUTBOX', sk: '2026-01-01T00:05:00.000Z#a' });
    expect(dueNow.sk < waiting.sk).toBe(true);
  });

  it('keys an idempotency record by source and the SHA-256 of the key', () => {
    const hash = createHash('sha256').update('any key: spaces, ünïcode').digest('hex');

    expect(idempotencyKey('src_1', 'any key: spaces, ünïcode')).toEqual({ pk: `IDEM#src_1#${hash}`, sk: 'IDEM' });
  });

  it("keys a subscription's terms by source, then destination and the SHA-256 of dataModel and eventType", () => {
    const terms = { sourceId: 'src_1', destinationId: 'dst_1', dataModel: 'Results' };
    const hash = createHash('sha256').update('["Results",null]').digest('hex');

    expect(subscriptionTermsKey(terms)).toEqual({ pk: 'SUBTERMS#src_1', sk: `dst_1#${hash}` });
    // Equal terms, one key; any difference (an eventType, or characters that could run together), another.
    expect(subscriptionTermsKey({ ...terms, eventType: undefined })).toEqual(subscriptionTermsKey(terms));
    const others = [
      { ...terms, eventType: 'Final' },
      { ...terms, eventType: '' },
      { ...terms, dataModel: 'Results#Final' },
      { ...terms, dataModel: 'Result', eventType: 'sFinal' },
      { ...terms, destinationId: 'dst_2' },
      { ...terms, sourceId: 'src_2' },
    ].map((other) => JSON.stringify(subscriptionTermsKey(other)));
    expect(new Set([JSON.stringify(subscriptionTermsKey(terms)), ...others]).size).toBe(others.length + 1);
  });

  it('orders spilled entries by queue position as numbers, and their chunks by index', () => {
    const positions = ['100000000000000000001', '99999999999999999999', '18849496460467696128'];

    const sorted = positions.map((position) => spillChunkKey('dst_1', position, 0).sk).sort();

    expect(sorted).toEqual(
      ['18849496460467696128', '99999999999999999999', '100000000000000000001'].map(
        (position) => spillChunkKey('dst_1', position, 0).sk,
      ),
    );
    expect(spillChunkKey('dst_1', '5', 12)).toEqual({ pk: 'SPILL#dst_1', sk: `${'5'.padStart(40, '0')}#012` });
    expect(spilledEntryPrefix('5')).toBe(`${'5'.padStart(40, '0')}#`);
  });

  it('keeps a parked entry’s chunks after its first item, in order, under a prefix the first item lacks', () => {
    const sorted = [parkedChunkKey('trn_1', 10), parkedKey('trn_1'), parkedChunkKey('trn_1', 2)]
      .map((key) => key.sk)
      .sort();

    expect(sorted).toEqual(['PARK', 'PARK#002', 'PARK#010']);
    expect(parkedChunkKey('trn_1', 2)).toEqual({ pk: 'PARK#trn_1', sk: 'PARK#002' });
    expect(parkedKey('trn_1').sk.startsWith(PARKED_CHUNK_PREFIX)).toBe(false);
  });

  it('orders arrivals by sequence as numbers', () => {
    expect([arrivalKey('dst_1', 10).sk, arrivalKey('dst_1', 9).sk].sort()).toEqual(['000000000009', '000000000010']);
  });

  it("keeps a transmission's failed attempts in its message's partition, ordered by number, apart from the message and from its other transmissions' attempts", () => {
    const { pk, prefix } = attemptsOfTransmission('msg_1', 'trn_1_0');
    expect(attemptKey('msg_1', 'trn_1_0', 7)).toEqual({ pk: 'MSG#msg_1', sk: 'ATT#trn_1_0#000007' });
    expect(pk).toBe(messageKey('msg_1').pk);
    expect([attemptKey('msg_1', 'trn_1_0', 10).sk, attemptKey('msg_1', 'trn_1_0', 9).sk].sort()).toEqual([
      'ATT#trn_1_0#000009',
      'ATT#trn_1_0#000010',
    ]);
    expect(attemptKey('msg_1', 'trn_1_1', 1).sk.startsWith(prefix)).toBe(false);
    // Transmission 1's prefix does not take in transmission 10's attempts.
    expect(attemptKey('msg_1', 'trn_1_10', 1).sk.startsWith(attemptsOfTransmission('msg_1', 'trn_1_1').prefix)).toBe(
      false,
    );
    expect(messageKey('msg_1').sk.startsWith(prefix)).toBe(false);
  });
});
