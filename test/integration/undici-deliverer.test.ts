/** The HTTP deliverer against a real server on 127.0.0.1: status, redirects, timeouts, refusals. */
import { createServer, type Server } from 'node:http';
import { UndiciDeliverer } from '../../lambdas/shared/http/undici-deliverer';
import { freePort } from '../../local/stand-ins';

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

const post = (deliverer: UndiciDeliverer, url: string, timeoutMs = 1000) =>
  deliverer.post({ url, body: '{}', headers: { 'content-type': 'application/json' }, timeoutMs });

describe('UndiciDeliverer', () => {
  const deliverer = new UndiciDeliverer();

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
    expect(await post(deliverer, `http://127.0.0.1:${await freePort()}/`)).toMatchObject({ kind: 'unreachable', reason: 'connection' });
  });

  it('reads only the start of a large answer', async () => {
    expect(await post(deliverer, `${base}/big`)).toMatchObject({ kind: 'answered', status: 200 });
  });
});
