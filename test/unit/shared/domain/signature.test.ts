import fc from 'fast-check';
import { Webhook } from 'standardwebhooks';
import { deliveryBody, decodeEnvelope, encodeEnvelope } from '../../../../lambdas/shared/domain/envelope';
import { newSigningSecret } from '../../../../lambdas/shared/domain/ids';
import { deliveryHeaders, signatureOf } from '../../../../lambdas/shared/domain/signature';

const header = {
  v: 1 as const,
  messageId: 'msg_1',
  transmissionId: 'trn_1_0',
  destinationId: 'dst_1',
  sourceId: 'src_1',
  dataModel: 'PatientAdmin',
  eventType: 'Arrival',
  receivedAt: '2026-11-26T10:00:00.000Z',
};

describe('queue envelope', () => {
  it('round-trips the header and the raw data, newlines and all', () => {
    const rawData = '{"note": "line one\\nline two",\n "n": 1.50}';
    expect(decodeEnvelope(encodeEnvelope(header, rawData))).toEqual({ header, rawData });
  });

  it('builds the contract body with data spliced in verbatim', () => {
    const body = deliveryBody(header, 42, Buffer.from('{"n": 1.50, "é": "😀"}'));
    expect(body.toString('utf8')).toContain('"data":{"n": 1.50, "é": "😀"}');
    expect(JSON.parse(body.toString('utf8'))).toEqual({
      meta: {
        messageId: 'msg_1',
        transmissionId: 'trn_1_0',
        dataModel: 'PatientAdmin',
        eventType: 'Arrival',
        receivedAt: header.receivedAt,
        sequence: 42,
      },
      data: { n: 1.5, é: '😀' },
    });
  });
});

describe('deliveryHeaders', () => {
  it('signs so that the standardwebhooks library verifies, and carries id and sequence', () => {
    const secret = newSigningSecret();
    const body = deliveryBody(header, 3, Buffer.from('{"name":"Zoë"}'));
    const headers = deliveryHeaders({
      signingSecret: secret,
      transmissionId: 'trn_1_0',
      sequence: 3,
      body,
      sentAt: new Date(),
    });
    expect(headers['webhook-id']).toBe('trn_1_0');
    expect(headers['conveyor-sequence']).toBe('3');
    expect(new Webhook(secret).verify(body, headers)).toEqual(JSON.parse(body.toString('utf8')));
    expect(new Webhook(secret).verify(body.toString('utf8'), headers)).toEqual(JSON.parse(body.toString('utf8')));
  });

  it('does not verify with another secret or a changed body', () => {
    const secret = newSigningSecret();
    const body = deliveryBody(header, 3, Buffer.from('{}'));
    const headers = deliveryHeaders({
      signingSecret: secret,
      transmissionId: 'trn_1_0',
      sequence: 3,
      body,
      sentAt: new Date(),
    });
    expect(() => new Webhook(newSigningSecret()).verify(body, headers)).toThrow();
    expect(() => new Webhook(secret).verify(body.toString('utf8').replace('{}', '{"x":1}'), headers)).toThrow();
  });

  it('signs the bytes exactly as the standardwebhooks library signs their text, for any UTF-8 body', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme' }), fc.date({ noInvalidDate: true }), (text, sentAt) => {
        const secret = newSigningSecret();
        const signature = signatureOf(secret, 'trn_1_0', sentAt, Buffer.from(text, 'utf8'));
        expect(signature).toBe(new Webhook(secret).sign('trn_1_0', sentAt, text));
      }),
      { numRuns: 200 },
    );
  });
});
