/** The HTTP deliverer against a real server on 127.0.0.1: status, redirects, timeouts, refusals. */
import { createServer, type Server } from 'node:http';
import { HttpDeliverer } from '../../lambdas/shared/adapters/http-deliverer';
import { reservePort } from '../../local/port-reservation';

let server: Server;
let base: string;
const seen: string[] = [];

beforeAll(async () => {
  server = createServer((request, response) => {
    seen.push(request.url ?? '');
    if (request.url === '/redirect') {
      response.writeHead(302, { location: '/ok' });
      response.end();
    } else if (request.url === '/slow') {
      setTimeout(() => response.end(), 3000).unref();
    } else if (request.url === '/big') {
      response.writeHead(200);
      response.end('x'.repeat(5 * 1024 * 1024));
    } else {
      response.writeHead(request.url === '/fail' ? 503 : 200);
      response.end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const address = server.address();
  base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

const post = (deliverer: HttpDeliverer, url: string, timeoutMs = 1000) =>
  deliverer.post({ url, body: '{}', headers: { 'content-type': 'application/json' }, timeoutMs });

describe('HttpDeliverer', () => {
  // The receiver is on 127.0.0.1: a deployment that allows private destinations (as local mode does).
  const deliverer = new HttpDeliverer({ allowPrivate: true });

  it('reports the status the endpoint answered', async () => {
    expect(await post(deliverer, `${base}/ok`)).toMatchObject({ kind: 'answered', status: 200 });
    expect(await post(deliverer, `${base}/fail`)).toMatchObject({ kind: 'answered', status: 503 });
  });

  it('does not follow redirects', async () => {
    seen.length = 0;
    expect(await post(deliverer, `${base}/redirect`)).toMatchObject({ kind: 'answered', status: 302 });
    expect(seen).toEqual(['/redirect']);
  });

  it('gives up at the destination timeout', async () => {
    const outcome = await post(deliverer, `${base}/slow`, 300);
    expect(outcome).toMatchObject({ kind: 'unreachable', reason: 'timeout' });
    expect(outcome.durationMs).toBeLessThan(2500);
  });

  it('reports a refused connection', async () => {
    expect(await post(deliverer, `http://127.0.0.1:${await reservePort()}/`)).toMatchObject({
      kind: 'unreachable',
      reason: 'connection',
    });
  });

  it('reads only the start of a large answer, keeping its first 1,024 bytes as the excerpt', async () => {
    const outcome = await post(deliverer, `${base}/big`);
    expect(outcome).toMatchObject({ kind: 'answered', status: 200, responseExcerpt: 'x'.repeat(1024) });
    // The next attempt is unaffected by the answer cut short.
    expect(await post(deliverer, `${base}/ok`)).toMatchObject({ kind: 'answered', status: 200 });
  });

  it('has no excerpt for an answer without a body', async () => {
    expect(await post(deliverer, `${base}/fail`)).not.toHaveProperty('responseExcerpt');
  });
});

describe('HttpDeliverer address guard', () => {
  const port = () => new URL(base).port;

  it('refuses loopback and private literals without connecting, unless the deployment allows them', async () => {
    seen.length = 0;
    const strict = new HttpDeliverer({ allowPrivate: false });

    for (const host of ['127.0.0.1', '[::1]', '[::ffff:127.0.0.1]', '10.1.2.3']) {
      expect(await post(strict, `http://${host}:${port()}/ok`)).toMatchObject({
        kind: 'unreachable',
        reason: 'address_refused',
      });
    }
    expect(seen).toEqual([]);
  });

  it('never reaches link-local addresses (instance metadata, the Lambda runtime API), even where private ones are allowed', async () => {
    const lenient = new HttpDeliverer({ allowPrivate: true });
    expect(await post(lenient, 'http://169.254.169.254/latest/meta-data/')).toMatchObject({
      reason: 'address_refused',
    });
    expect(await post(lenient, 'http://[fd00:ec2::254]/')).toMatchObject({ reason: 'address_refused' });
  });

  it('checks a host name at connect time: one that now resolves to a private address is refused (DNS rebinding)', async () => {
    seen.length = 0;
    // At registration this host resolved to a public address; now it points at loopback.
    const rebound = new HttpDeliverer({
      allowPrivate: false,
      resolve: async () => [{ address: '127.0.0.1', family: 4 }],
    });

    expect(await post(rebound, `http://rebound.example:${port()}/ok`)).toMatchObject({
      kind: 'unreachable',
      reason: 'address_refused',
    });
    expect(seen).toEqual([]);
  });

  it('refuses a host with any disallowed address among its answers', async () => {
    const mixed = new HttpDeliverer({
      allowPrivate: false,
      resolve: async () => [
        { address: '93.184.216.34', family: 4 },
        { address: '169.254.169.254', family: 4 },
      ],
    });
    expect(await post(mixed, 'http://mixed.example/')).toMatchObject({ reason: 'address_refused' });
  });

  it('connects to the address it checked, not to a second resolution', async () => {
    seen.length = 0;
    // `pinned.example` resolves nowhere but through the checked lookup, which answers our receiver.
    const pinned = new HttpDeliverer({
      allowPrivate: true,
      resolve: async () => [{ address: '127.0.0.1', family: 4 }],
    });

    expect(await post(pinned, `http://pinned.example:${port()}/ok`)).toMatchObject({ kind: 'answered', status: 200 });
    expect(seen).toEqual(['/ok']);
  });
});
