/**
 * The real deliverer with a destination's TLS settings, against an HTTPS receiver on 127.0.0.1
 * that requires a client certificate from a private CA (test/fixtures/client-certificates.ts).
 */
import { HttpDeliverer } from '../../lambdas/shared/adapters/http-deliverer';
import type { DeliveryTls } from '../../lambdas/shared/ports/deliverer';
import { mayBeClientCertificateRefusal } from '../../lambdas/shared/transmissions/present-client-certificate';
import {
  makeMtlsCertificates,
  type MtlsReceiver,
  type OpensslReceiver,
  startMtlsReceiver,
  startOpensslReceiver,
} from '../fixtures/client-certificates';

const certificates = makeMtlsCertificates();
const receivers: MtlsReceiver[] = [];
const opensslReceivers: OpensslReceiver[] = [];

afterEach(async () => {
  await Promise.all(receivers.splice(0).map((receiver) => receiver.close()));
  for (const receiver of opensslReceivers.splice(0)) receiver.close();
});

// Skipped only where the machine has no `openssl` to make certificates with.
(certificates ? describe : describe.skip)('deliveries with a destination’s client certificate and CA bundle', () => {
  const { server, clients } = certificates!;
  const receiver = async (clientCas: readonly string[]) => {
    const started = await startMtlsReceiver(server, clientCas);
    receivers.push(started);
    return started;
  };
  // No extra authorities: the receiver is trusted only through a destination's CA bundle.
  const deliverer = () => new HttpDeliverer({ allowPrivate: true });
  const post = (on: HttpDeliverer, url: string, tls?: DeliveryTls) =>
    on.post({
      url,
      body: '{}',
      headers: { 'content-type': 'application/json' },
      timeoutMs: 5000,
      ...(tls ? { tls } : {}),
    });
  const presenting = (pair: { chain: string; key: string }, caBundle = server.ca): DeliveryTls => ({
    clientCertificate: { chain: pair.chain, key: pair.key },
    caBundle,
  });

  it('presents the client certificate and trusts the receiver through the CA bundle', async () => {
    const { url, received } = await receiver([clients.caA]);
    expect(await post(deliverer(), url, presenting(clients.a))).toMatchObject({ kind: 'answered', status: 200 });
    expect(received.map((delivery) => delivery.clientFingerprint256)).toEqual([clients.a.fingerprint256]);
  });

  it('accepts a PKCS#1 RSA key and a SEC1 EC key as the TLS stack reads them', async () => {
    const { url, received } = await receiver([clients.caA]);
    const on = deliverer();
    expect(await post(on, url, presenting(clients.rsa))).toMatchObject({ status: 200 });
    expect(await post(on, url, presenting({ chain: clients.a.chain, key: clients.aSec1Key }))).toMatchObject({
      status: 200,
    });
    expect(received.map((delivery) => delivery.clientFingerprint256)).toEqual([
      clients.rsa.fingerprint256,
      clients.a.fingerprint256,
    ]);
  });

  it('reports a receiver that requires a certificate when none is presented', async () => {
    const { url } = await receiver([clients.caA]);
    expect(await post(deliverer(), url, { caBundle: server.ca })).toMatchObject({
      kind: 'unreachable',
      reason: 'connection',
      code: 'ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED',
    });
  });

  it('reports a certificate from a CA the receiver does not trust (Node.js drops the connection)', async () => {
    const { url, received } = await receiver([clients.caA]);
    expect(await post(deliverer(), url, presenting(clients.b))).toMatchObject({
      kind: 'unreachable',
      reason: 'connection',
      // EPIPE when the drop comes while the request is still being written.
      code: expect.stringMatching(/^(ECONNRESET|EPIPE)$/),
    });
    expect(received).toEqual([]);
  });

  it('trusts only the CA bundle: the deployment’s extra authorities and the public roots no longer count', async () => {
    const { url } = await receiver([clients.caA]);
    const trustingServerCa = new HttpDeliverer({ allowPrivate: true }, { extraCertificateAuthorities: [server.ca] });
    // The bundle names the client CA, which did not issue the receiver's certificate.
    expect(await post(trustingServerCa, url, presenting(clients.a, clients.caA))).toMatchObject({
      kind: 'unreachable',
      reason: 'connection',
      code: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
    });
    // Without a bundle of its own, a destination's server is checked against the deployment's authorities.
    expect(await post(trustingServerCa, url, { clientCertificate: clients.a })).toMatchObject({ status: 200 });
  });

  it('never shares a connection between identities: each request arrives with its own certificate', async () => {
    const { url, received } = await receiver([clients.caA, clients.caB]);
    const on = deliverer();
    for (const pair of [clients.a, clients.b, clients.a, clients.b])
      expect(await post(on, url, presenting(pair))).toMatchObject({ status: 200 });
    expect(received.map((delivery) => delivery.clientFingerprint256)).toEqual([
      clients.a.fingerprint256,
      clients.b.fingerprint256,
      clients.a.fingerprint256,
      clients.b.fingerprint256,
    ]);
    // The pool without TLS settings of its own has no certificate to present, pooled connections or not.
    expect(await post(on, url, undefined)).toMatchObject({ kind: 'unreachable', reason: 'connection' });
  });

  // What an OpenSSL-based server (Apache httpd, HAProxy) answers a refused client certificate with:
  // the codes the fallback to a rotation's previous certificate reacts to.
  it.each([
    ['tls1_3', 'no certificate', undefined, 'ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED'],
    ['tls1_3', 'a certificate from another CA', () => clients.b, 'ERR_SSL_TLSV1_ALERT_UNKNOWN_CA'],
    // OpenSSL 3.0 (Node.js 20) says SSLV3, 3.2 and later (Node.js 24) SSL/TLS.
    ['tls1_3', 'an expired certificate', () => clients.expired, /^ERR_SSL_SSL(V3|\/TLS)_ALERT_CERTIFICATE_EXPIRED$/],
    ['tls1_2', 'no certificate', undefined, 'EPROTO'],
    ['tls1_2', 'a certificate from another CA', () => clients.b, 'EPROTO'],
  ] as const)(
    'an OpenSSL server over %s refuses %s with its alert, taken as a possible certificate refusal',
    async (version, _name, pair, code) => {
      const openssl = await startOpensslReceiver(server, clients.caA, version);
      opensslReceivers.push(openssl);
      const outcome = await post(deliverer(), openssl.url, pair ? presenting(pair()) : { caBundle: server.ca });
      expect(outcome).toMatchObject({
        kind: 'unreachable',
        reason: 'connection',
        code: typeof code === 'string' ? code : expect.stringMatching(code),
      });
      expect(mayBeClientCertificateRefusal(outcome)).toBe(true);
    },
  );

  it('keeps at most 100 pools, one per distinct set of TLS settings', async () => {
    const on = deliverer();
    // Nothing listens on port 1: each attempt is refused at once, after its pool was chosen.
    for (let index = 0; index < 101; index++)
      await post(on, 'https://127.0.0.1:1/', presenting(clients.a, `${server.ca}${'\n'.repeat(index)}`));
    expect(on.tlsPoolCount).toBe(100);
  });

  it('fails the attempt, without throwing, when the TLS stack refuses the key', async () => {
    const on = deliverer();
    const outcome = await post(on, 'https://127.0.0.1:1/', {
      clientCertificate: { chain: clients.a.chain, key: clients.b.key },
    });
    // OpenSSL's own code (key values mismatch), not the refused connection it never got to.
    expect(outcome).toMatchObject({
      kind: 'unreachable',
      reason: 'connection',
      code: expect.stringMatching(/^ERR_OSSL_/),
    });
  });
});
