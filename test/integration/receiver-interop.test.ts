/**
 * The real deliverer against receivers that misbehave as public bug reports describe (raw
 * sockets: see test/fixtures/misbehaving-receiver.ts): each case's classification.
 */
import type { TlsOptions } from 'node:tls';
import { HttpDeliverer } from '../../lambdas/shared/adapters/http-deliverer';
import {
  answer,
  type Behaviour,
  hugeBody,
  makeTestCertificates,
  type MisbehavingReceiver,
  startMisbehavingReceiver,
} from '../fixtures/misbehaving-receiver';

const OK = 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok';
const certificates = makeTestCertificates();
// The receivers are on 127.0.0.1: a deployment that allows private destinations (as local mode does).
const deliverer = new HttpDeliverer(
  { allowPrivate: true },
  { extraCertificateAuthorities: certificates ? [certificates.ca] : [] },
);
const receivers: MisbehavingReceiver[] = [];

afterEach(async () => {
  await Promise.all(receivers.splice(0).map((receiver) => receiver.close()));
});

const receiver = async (behaviour: Behaviour, tls?: TlsOptions) => {
  const started = await startMisbehavingReceiver(behaviour, tls);
  receivers.push(started);
  return started;
};

const post = (url: string, { timeoutMs = 5000, body = '{}' }: { timeoutMs?: number; body?: string } = {}) =>
  deliverer.post({ url, body, headers: { 'content-type': 'application/json' }, timeoutMs });

describe('answers a legal HTTP/1.1 exchange may hold', () => {
  it.each([
    ['100 Continue', 'HTTP/1.1 100 Continue\r\n\r\n'],
    ['102 Processing', 'HTTP/1.1 102 Processing\r\n\r\n'],
    ['103 Early Hints', 'HTTP/1.1 103 Early Hints\r\nLink: </style.css>; rel=preload\r\n\r\n'],
    [
      'several interim answers',
      'HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 102 Processing\r\n\r\nHTTP/1.1 103 Early Hints\r\n\r\n',
    ],
  ])('skips an unasked interim %s before the final answer', async (_name, interim) => {
    const { url } = await receiver(answer(interim, OK));
    expect(await post(url)).toMatchObject({ kind: 'answered', status: 200, responseExcerpt: 'ok' });
  });

  it('reads a body delimited by Connection: close (no Content-Length)', async () => {
    const { url } = await receiver((socket) => socket.end('HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nreceived'));
    expect(await post(url)).toMatchObject({ kind: 'answered', status: 200, responseExcerpt: 'received' });
  });

  it('reads a chunked body', async () => {
    const { url } = await receiver(
      answer('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nrece\r\n4\r\nived\r\n0\r\n\r\n'),
    );
    expect(await post(url)).toMatchObject({ kind: 'answered', status: 200, responseExcerpt: 'received' });
  });

  it('takes a complete answer from a receiver that half-closes its side after it', async () => {
    const { url } = await receiver((socket) => socket.end(OK));
    expect(await post(url)).toMatchObject({ kind: 'answered', status: 200 });
  });

  it('takes an early 413 sent (then closed) while the request body is still being sent', async () => {
    // The receiver stops reading: 8 MB cannot all be sent, so the answer comes mid-body.
    const { url } = await receiver((socket) => {
      socket.pause();
      socket.end('HTTP/1.1 413 Content Too Large\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
    });
    expect(await post(url, { body: `"${'x'.repeat(8 * 1024 * 1024)}"` })).toMatchObject({
      kind: 'answered',
      status: 413,
    });
  });

  it('reads only the excerpt of a 100 MB body and hangs up, without waiting for the rest', async () => {
    const huge = hugeBody();
    const { url } = await receiver(huge.behaviour);
    const outcome = await post(url, { timeoutMs: 60_000 });
    expect(outcome).toMatchObject({ kind: 'answered', status: 200, responseExcerpt: 'x'.repeat(1024) });
    // The client hung up long before the end: at most its read cap plus what the socket buffers held.
    expect(huge.written()).toBeLessThan(20 * 1024 * 1024);
  });
});

describe('failures, each with its reason', () => {
  it('refuses bare-LF line endings as not HTTP/1.1 (the strict parser)', async () => {
    const { url } = await receiver(answer('HTTP/1.1 200 OK\nContent-Length: 2\n\nok'));
    expect(await post(url)).toMatchObject({ kind: 'unreachable', reason: 'connection', code: 'HPE_CR_EXPECTED' });
  });

  it('times out in phase headers when the answer never comes', async () => {
    const { url } = await receiver(() => undefined);
    expect(await post(url, { timeoutMs: 300 })).toMatchObject({
      kind: 'unreachable',
      reason: 'timeout',
      phase: 'headers',
    });
  });

  it('times out in phase body when the body never ends', async () => {
    const { url } = await receiver(answer('HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\nstarted'));
    expect(await post(url, { timeoutMs: 300 })).toMatchObject({
      kind: 'unreachable',
      reason: 'timeout',
      phase: 'body',
    });
  });

  it('reports a receiver that closes without answering', async () => {
    const { url } = await receiver((socket) => socket.end());
    expect(await post(url)).toMatchObject({ kind: 'unreachable', reason: 'connection', code: 'ECONNRESET' });
  });

  it('times out in phase tls when the TLS handshake never completes', async () => {
    // A plain TCP receiver that never speaks: the client's hello goes unanswered.
    const { url } = await receiver(() => undefined);
    expect(await post(url.replace('http:', 'https:'), { timeoutMs: 300 })).toMatchObject({
      kind: 'unreachable',
      reason: 'timeout',
      phase: 'tls',
    });
  });
});

// Skipped only where the machine has no `openssl` to make certificates with.
(certificates ? describe : describe.skip)('TLS receivers', () => {
  const tls = (cert: string, more: TlsOptions = {}): TlsOptions => ({ key: certificates!.key, cert, ...more });

  it('delivers to a receiver whose certificate chains to a trusted CA, interim 100 and all', async () => {
    const { url } = await receiver(answer('HTTP/1.1 100 Continue\r\n\r\n', OK), tls(certificates!.valid));
    expect(await post(url)).toMatchObject({ kind: 'answered', status: 200 });
  });

  it.each([
    ['an unknown CA', () => certificates!.unknownCa, 'UNABLE_TO_VERIFY_LEAF_SIGNATURE'],
    ['an expired certificate', () => certificates!.expired, 'CERT_HAS_EXPIRED'],
    ['a certificate for another host', () => certificates!.otherHost, 'ERR_TLS_CERT_ALTNAME_INVALID'],
  ])('refuses %s, naming it', async (_name, cert, code) => {
    const { url } = await receiver(answer(OK), tls(cert()));
    expect(await post(url)).toMatchObject({ kind: 'unreachable', reason: 'connection', code });
  });

  it('reports a receiver that requires a client certificate', async () => {
    const { url } = await receiver(
      answer(OK),
      tls(certificates!.valid, { requestCert: true, rejectUnauthorized: true, ca: [certificates!.ca] }),
    );
    // TLS 1.3: the server's alert arrives after the client's handshake, with the request.
    expect(await post(url)).toMatchObject({
      kind: 'unreachable',
      reason: 'connection',
      code: 'ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED',
    });
  });
});
