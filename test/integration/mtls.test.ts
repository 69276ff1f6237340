/**
 * mTLS and private CAs per destination, over the real stand-ins: a local HTTPS receiver whose
 * certificate comes from a private CA (trusted only through the destination's `caBundle`) and that
 * requires a client certificate from a private client CA (test/fixtures/client-certificates.ts).
 * Delivery presents the destination's certificate; without one the destination pauses with the TLS
 * failure; a rotation to a certificate the receiver does not trust yet still delivers through the
 * replaced one inside its overlap. No answer, log line or audit entry carries a PEM or a key.
 */
import { interceptOutput } from '../fixtures/output';
import { makeMtlsCertificates, type MtlsReceiver, startMtlsReceiver } from '../fixtures/client-certificates';
import { startTestConveyor, type TestConveyor, waitFor } from '../fixtures/conveyor';

jest.setTimeout(120_000);

const certificates = makeMtlsCertificates();
const output: string[] = [];
let intercepted: { restore: () => void } | undefined;
let conveyor: TestConveyor;
const receivers: MtlsReceiver[] = [];

/** Text that only the PEMs hold: their markers, and a line of each key's base64 body. */
const secretTraces = () => {
  const { clients } = certificates!;
  return [
    '-----BEGIN',
    'PRIVATE KEY-----',
    ...[clients.a.key, clients.b.key].map((key) => key.split('\n')[1]!),
    ...[clients.a.chain, clients.b.chain].map((chain) => chain.split('\n')[2]!),
  ];
};

beforeAll(async () => {
  if (!certificates) return;
  intercepted = interceptOutput((text) => {
    output.push(text);
    return true;
  });
  // Logs at DEBUG: a certificate or key must not reach even those.
  conveyor = await startTestConveyor({ POWERTOOLS_LOG_LEVEL: 'DEBUG' });
});

afterAll(async () => {
  await conveyor?.stop();
  await Promise.all(receivers.map((receiver) => receiver.close()));
  intercepted?.restore();
});

// Skipped only where the machine has no `openssl` to make certificates with.
(certificates ? describe : describe.skip)('a destination with a client certificate and a CA bundle', () => {
  const { server, clients } = certificates!;
  const pairA = { clientCertificate: clients.a.chain, clientKey: clients.a.key };
  const pairB = { clientCertificate: clients.b.chain, clientKey: clients.b.key };

  /** An answer's raw text: checked against docs/openapi.yaml by the fixture, then for secrets. */
  const expectNoSecrets = (body: unknown) => {
    const text = JSON.stringify(body);
    for (const trace of secretTraces()) expect(text).not.toContain(trace);
  };

  /** A receiver trusting client CA A only, an organization, a source and a destination created with `fields`. */
  const route = async (fields: Record<string, unknown>) => {
    const receiver = await startMtlsReceiver(server, [clients.caA]);
    receivers.push(receiver);
    const organization = await conveyor.createOrganization();
    const source = await conveyor.createSource(organization.id);
    const created = await conveyor.admin('POST', `/v1/admin/organizations/${organization.id}/destinations`, {
      name: 'Hospital interface engine',
      url: receiver.url,
      inlineRetries: 0,
      caBundle: server.ca,
      ...fields,
    });
    expect(created.status).toBe(201);
    expectNoSecrets(created.body);
    const destinationId: string = created.body.id;
    await conveyor.subscribe(source.id, destinationId, 'Results');
    let n = 0;
    const send = async () => {
      const answer = await conveyor.send(source.apiKey, {
        meta: { dataModel: 'Results', eventType: 'New' },
        data: { n: n++ },
      });
      expect(answer.status).toBe(200);
      return answer.body.transmissions[0].id as string;
    };
    const describe = async () => {
      const answer = await conveyor.admin('GET', `/v1/admin/destinations/${destinationId}`);
      expect(answer.status).toBe(200);
      expectNoSecrets(answer.body);
      return answer.body;
    };
    const patch = async (body: Record<string, unknown>) => {
      const answer = await conveyor.admin('PATCH', `/v1/admin/destinations/${destinationId}`, body);
      expectNoSecrets(answer.body);
      return answer;
    };
    return { receiver, created: created.body, destinationId, send, describe, patch };
  };

  it('delivers presenting the client certificate, the receiver trusted through the CA bundle alone', async () => {
    const { receiver, created, send, describe } = await route(pairA);
    expect(created).toMatchObject({
      clientCertificate: { subject: 'CN=client-a, O=Sending Hospital', fingerprintSha256: clients.a.fingerprint256 },
      caBundle: { certificates: 1 },
    });
    const transmissionId = await send();
    await waitFor(() => receiver.received.length === 1, 'the delivery');
    expect(receiver.received[0]).toMatchObject({
      clientFingerprint256: clients.a.fingerprint256,
      headers: { 'webhook-id': transmissionId },
    });
    expect(await describe()).toMatchObject({
      status: 'active',
      clientCertificate: { issuer: 'CN=Client caA', fingerprintSha256: clients.a.fingerprint256 },
      caBundle: { certificates: 1, fingerprintsSha256: [expect.any(String)] },
    });
    // The raw text of the answer, as a client reads it, holds no PEM either.
    const raw = await fetch(`${conveyor.local.apiUrl}/v1/admin/destinations/${created.id}`, {
      headers: { authorization: `Bearer ${conveyor.local.adminToken}` },
    });
    const text = await raw.text();
    expect(text).toContain(clients.a.fingerprint256);
    for (const trace of secretTraces()) expect(text).not.toContain(trace);
    // The listing shows the same summaries.
    const listed = await conveyor.admin('GET', `/v1/admin/destinations?organizationId=${created.organizationId}`);
    expectNoSecrets(listed.body);
    expect(listed.body.items[0].clientCertificate.fingerprintSha256).toBe(clients.a.fingerprint256);
  });

  it('pauses with the TLS failure without a certificate, and delivers once one is given', async () => {
    const { receiver, destinationId, send, describe, patch } = await route({});
    await send();
    await waitFor(async () => (await describe()).status === 'paused', 'the pause');
    expect(await describe()).toMatchObject({
      pauseReason: 'connection error (ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED)',
      fault: 'destination',
    });
    expect((await patch(pairA)).status).toBe(200);
    expect((await conveyor.admin('POST', `/v1/admin/destinations/${destinationId}/resume`)).status).toBe(200);
    await waitFor(() => receiver.received.length === 1, 'the delivery after the certificate was given');
    expect(receiver.received[0]!.clientFingerprint256).toBe(clients.a.fingerprint256);
  });

  it('rotates: the replaced certificate still delivers inside the overlap until the receiver trusts the new one', async () => {
    const { receiver, send, describe, patch } = await route(pairA);
    await send();
    await waitFor(() => receiver.received.length === 1, 'the first delivery');

    // The receiver does not trust client CA B yet.
    const rotated = await patch(pairB);
    expect(rotated.status).toBe(200);
    expect(rotated.body).toMatchObject({
      clientCertificate: { fingerprintSha256: clients.b.fingerprint256 },
      previousClientCertificate: { fingerprintSha256: clients.a.fingerprint256, validUntil: expect.any(String) },
    });
    const overlap = Date.parse(rotated.body.previousClientCertificate.validUntil) - Date.now();
    // A week by default (less the moments since the PATCH).
    expect(overlap).toBeGreaterThan(6.9 * 86_400_000);
    expect(overlap).toBeLessThanOrEqual(7 * 86_400_000);

    await send();
    await waitFor(() => receiver.received.length === 2, 'the delivery through the replaced certificate');
    expect(receiver.received[1]!.clientFingerprint256).toBe(clients.a.fingerprint256);
    expect((await describe()).status).toBe('active');

    // Once the receiver trusts client CA B, the new certificate is the one presented.
    receiver.trust([clients.caA, clients.caB]);
    await send();
    await waitFor(() => receiver.received.length === 3, 'the delivery with the new certificate');
    expect(receiver.received[2]!.clientFingerprint256).toBe(clients.b.fingerprint256);
  });

  it('rotates without an overlap: only the new certificate is presented, and the receiver refuses it', async () => {
    const { receiver, send, describe, patch } = await route(pairA);
    const rotated = await patch({ ...pairB, clientCertificateOverlapSeconds: 0 });
    expect(rotated.status).toBe(200);
    expect(rotated.body.previousClientCertificate).toBeUndefined();
    await send();
    await waitFor(async () => (await describe()).status === 'paused', 'the pause');
    // Node.js receivers drop a connection whose client certificate they refuse.
    // (EPIPE when the drop comes while the request is still being written.)
    expect((await describe()).pauseReason).toMatch(/^connection error \((ECONNRESET|EPIPE)\)$/);
    expect(receiver.received).toEqual([]);
  });

  it('removes mTLS and the CA bundle with null', async () => {
    const { patch } = await route(pairA);
    const removed = await patch({ clientCertificate: null, caBundle: null });
    expect(removed.status).toBe(200);
    expect(removed.body).not.toHaveProperty('clientCertificate');
    expect(removed.body).not.toHaveProperty('previousClientCertificate');
    expect(removed.body).not.toHaveProperty('caBundle');
  });

  it.each([
    [
      'a key that is not the certificate’s',
      { clientCertificate: clients.a.chain, clientKey: clients.b.key },
      'clientKey',
    ],
    [
      'an expired certificate',
      { clientCertificate: clients.expired.chain, clientKey: clients.expired.key },
      'clientCertificate',
    ],
    ['a certificate without its key', { clientCertificate: clients.a.chain }, 'clientCertificate'],
    ['a CA bundle that is not PEM', { caBundle: 'not a certificate' }, 'caBundle'],
  ])('refuses %s with 400 naming the field, on creation and on PATCH', async (_name, fields, field) => {
    const organization = await conveyor.createOrganization();
    const create = await conveyor.admin('POST', `/v1/admin/organizations/${organization.id}/destinations`, {
      name: 'Refused',
      url: 'https://127.0.0.1:9/hook',
      ...fields,
    });
    expect(create.status).toBe(400);
    expect(create.body.error.code).toBe('invalid_request');
    expect(create.body.error.message.startsWith(field)).toBe(true);
    expectNoSecrets(create.body);
    const { patch } = await route(pairA);
    const changed = await patch(fields);
    expect(changed.status).toBe(400);
    expect(changed.body.error.message.startsWith(field)).toBe(true);
  });

  it('keeps every certificate and key out of the audit trail and the logs', async () => {
    const audit = await conveyor.admin('GET', '/v1/admin/audit?limit=100');
    expect(audit.status).toBe(200);
    expect(audit.body.items.map((entry: { action: string }) => entry.action)).toContain('destination.update');
    expectNoSecrets(audit.body);
    const logs = output.join('');
    // The logs were written: the updates are there, by field name.
    expect(logs).toContain('Destination updated');
    expect(logs).toContain('previousClientCertificate');
    for (const trace of secretTraces()) expect(logs).not.toContain(trace);
  });
});
