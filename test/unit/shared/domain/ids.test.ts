import {
  hashApiKey,
  isId,
  messageIdOfTransmission,
  newApiKey,
  newId,
  newSigningSecret,
  reservationKeyOf,
  reservedTransmissionOf,
  transmissionIdOf,
} from '../../../../lambdas/shared/domain/ids';

describe('ids', () => {
  it('makes ids of each kind that are recognised as that kind only', () => {
    const id = newId('destination');
    expect(id).toMatch(/^dst_[0-9A-Z]{26}$/);
    expect(isId('destination', id)).toBe(true);
    expect(isId('source', id)).toBe(false);
    expect(isId('destination', `${id}x`)).toBe(false);
  });

  it('makes time-ordered message ids', () => {
    const ids = Array.from({ length: 50 }, () => newId('message'));
    expect([...ids].sort()).toEqual(ids);
  });

  it('derives transmission ids from their message id and back', () => {
    const messageId = newId('message');
    const transmissionId = transmissionIdOf(messageId, 7);
    expect(messageIdOfTransmission(transmissionId)).toBe(messageId);
    expect(messageIdOfTransmission('trn_nonsense')).toBeUndefined();
  });

  it("names a sequence reservation by its transmission and a replay's generation, and reads it back", () => {
    const messageId = newId('message');
    const transmissionId = transmissionIdOf(messageId, 1);
    expect(reservationKeyOf(transmissionId, 0)).toBe(transmissionId);
    expect(reservationKeyOf(transmissionId, 2)).toBe(`${transmissionId}#2`);
    expect(reservedTransmissionOf(transmissionId)).toEqual({ transmissionId, messageId, generation: 0 });
    expect(reservedTransmissionOf(`${transmissionId}#2`)).toEqual({ transmissionId, messageId, generation: 2 });
    for (const malformed of ['trn_nonsense', `${transmissionId}#`, `${transmissionId}#x`, `${transmissionId}#2#3`])
      expect(reservedTransmissionOf(malformed)).toBeUndefined();
  });

  it('makes distinct secrets and hashes keys deterministically', () => {
    expect(newApiKey()).not.toBe(newApiKey());
    expect(newSigningSecret()).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    const key = newApiKey();
    expect(hashApiKey(key)).toBe(hashApiKey(key));
    expect(hashApiKey(key)).not.toContain(key);
  });
});
