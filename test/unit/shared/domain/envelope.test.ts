import {
  decodeEnvelope,
  encodeEnvelope,
  encodeReferenceEnvelope,
  type EnvelopeHeader,
  payloadReferenceOf,
} from '../../../../lambdas/shared/domain/envelope';

const header: EnvelopeHeader = {
  v: 1,
  messageId: 'msg_1',
  transmissionId: 'trn_1_0',
  destinationId: 'dst_1',
  sourceId: 'src_1',
  dataModel: 'Results',
  eventType: 'New',
  receivedAt: '2026-11-26T00:00:00.000Z',
};

describe('queue envelope', () => {
  it.each([
    ['plain JSON', '{"mrn": 1.0, "note": "caf\\u00e9 é"}'],
    ['emoji and other characters beyond the Basic Multilingual Plane', '{"note":"😀 𐀀 𝄞"}'],
    ['a newline inside the data', '{\n  "a": 1\n}'],
  ])('carries %s and gives it back exactly', (_case, rawData) => {
    const decoded = decodeEnvelope(encodeEnvelope(header, rawData));
    expect(decoded.rawData).toBe(rawData);
    expect(decoded.header).toMatchObject(header);
  });

  it('sends plain text as it is and the rest base64-encoded, so every queue takes it', () => {
    expect(encodeEnvelope(header, '{"a":"é"}').split('\n')[1]).toBe('{"a":"é"}');
    const encoded = encodeEnvelope(header, '{"a":"😀"}');
    expect(encoded).toMatch(/^[\t\n\r\u0020-\uD7FF\uE000-\uFFFD]*$/);
    expect(JSON.parse(encoded.split('\n')[0]!)).toMatchObject({ dataEncoding: 'base64' });
  });

  it('re-encodes a replayed entry from its decoded data', () => {
    const { header: decodedHeader, rawData } = decodeEnvelope(encodeEnvelope(header, '{"a":"😀"}'));
    const replayed = decodeEnvelope(encodeEnvelope({ ...decodedHeader, generation: 1 }, rawData));
    expect(replayed).toEqual({ header: { ...header, generation: 1, dataEncoding: 'base64' }, rawData: '{"a":"😀"}' });
  });

  it("carries an upload's reference (key, size, ETag) and keeps it through a replay's re-encoding", () => {
    const reference = { key: 'uploads/src_1/upl_1', bytes: 50_000_000, etag: '"e1"' };
    const { header: decodedHeader, rawData } = decodeEnvelope(encodeReferenceEnvelope(header, reference));
    expect(rawData).toBe('');
    expect(payloadReferenceOf(decodedHeader)).toEqual(reference);
    const replayed = decodeEnvelope(encodeEnvelope({ ...decodedHeader, generation: 1 }, rawData));
    expect(payloadReferenceOf(replayed.header)).toEqual(reference);
    expect(replayed.header.generation).toBe(1);
    expect(payloadReferenceOf(header)).toBeUndefined();
  });
});
