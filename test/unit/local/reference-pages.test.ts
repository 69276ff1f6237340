/**
 * The API reference on the local gateway, over real HTTP: the gateway runs with stand-in handlers
 * that answer 404 `route_not_found` as the API's router does, and record every request they see,
 * so a test can tell a reference answer from an API one. Raw `node:http` requests, because `fetch`
 * would normalize `..` away before sending.
 */
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { readFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { join } from 'node:path';
import { startGateway } from '../../../local/api-gateway';

const repoRoot = join(__dirname, '..', '..', '..');
const documentBytes = readFileSync(join(repoRoot, 'docs', 'openapi.yaml'));
const packageJson = readFileSync(join(repoRoot, 'package.json'), 'utf8');

interface RawAnswer {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: Buffer;
}

let gateway: { url: string; stop: () => Promise<void> };
const apiPaths: string[] = [];

const routeNotFound = async (event: APIGatewayProxyEventV2) => {
  apiPaths.push(event.rawPath);
  return { statusCode: 404, body: JSON.stringify({ error: { code: 'route_not_found', message: 'No such route.' } }) };
};

/** Sends `path` exactly as written (no normalization) and reads the whole answer. */
const send = (method: string, path: string): Promise<RawAnswer> =>
  new Promise((resolveAnswer, reject) => {
    const { port } = new URL(gateway.url);
    const outgoing = httpRequest({ host: '127.0.0.1', port: Number(port), method, path }, (incoming) => {
      const chunks: Buffer[] = [];
      incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
      incoming.on('end', () =>
        resolveAnswer({ status: incoming.statusCode ?? 0, headers: incoming.headers, body: Buffer.concat(chunks) }),
      );
      incoming.on('error', reject);
    });
    outgoing.on('error', reject);
    outgoing.end();
  });

beforeAll(async () => {
  gateway = await startGateway({
    port: 0,
    adminToken: 'test-admin-token',
    ingest: routeNotFound,
    admin: routeNotFound,
  });
});

afterAll(() => gateway.stop());

beforeEach(() => {
  apiPaths.length = 0;
});

describe('the local API reference', () => {
  it('answers /docs with an HTML page that loads Swagger UI from /docs and points it at /openapi.yaml', async () => {
    const page = await send('GET', '/docs');
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    const html = page.body.toString('utf8');
    expect(html).toContain('<script src="/docs/swagger-ui-bundle.js"');
    expect(html).toContain('href="/docs/swagger-ui.css"');
    expect(html).not.toMatch(/<script>/);
    expect(page.headers['content-security-policy']).toContain("script-src 'self'");
    expect(page.headers['content-security-policy']).toContain("default-src 'self'");
    expect(page.headers['content-security-policy']).not.toContain('unsafe');
    expect(page.headers['x-content-type-options']).toBe('nosniff');

    const initializer = await send('GET', '/docs/conveyor-reference.js');
    expect(initializer.status).toBe(200);
    expect(initializer.body.toString('utf8')).toContain("url: '/openapi.yaml'");
    expect(apiPaths).toEqual([]);
  });

  it("serves Swagger UI's own files with their content types", async () => {
    const bundle = await send('GET', '/docs/swagger-ui-bundle.js');
    expect(bundle.status).toBe(200);
    expect(bundle.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(bundle.body.toString('utf8')).toContain('SwaggerUIBundle');

    const css = await send('GET', '/docs/swagger-ui.css');
    expect(css.status).toBe(200);
    expect(css.headers['content-type']).toBe('text/css; charset=utf-8');

    const icon = await send('GET', '/docs/favicon-32x32.png');
    expect(icon.status).toBe(200);
    expect(icon.headers['content-type']).toBe('image/png');
    expect(icon.body.subarray(1, 4).toString('latin1')).toBe('PNG');
  });

  it('answers /openapi.yaml with the document, byte for byte, without the admin token', async () => {
    const document = await send('GET', '/openapi.yaml');
    expect(document.status).toBe(200);
    expect(document.headers['content-type']).toBe('application/yaml; charset=utf-8');
    expect(document.body.equals(documentBytes)).toBe(true);
  });

  it('answers HEAD with the headers and no body', async () => {
    const head = await send('HEAD', '/openapi.yaml');
    expect(head.status).toBe(200);
    expect(head.headers['content-length']).toBe(String(documentBytes.length));
    expect(head.body.length).toBe(0);
  });

  it.each(['POST', 'PUT', 'DELETE'])('answers %s with 404 route_not_found, as the API does', async (method) => {
    const answer = await send(method, '/openapi.yaml');
    expect(answer.status).toBe(404);
    expect(JSON.parse(answer.body.toString('utf8'))).toEqual({
      error: { code: 'route_not_found', message: 'No such route.' },
    });
    expect(apiPaths).toEqual([]);
  });

  it.each([
    '/docs/index.html',
    '/docs/swagger-initializer.js',
    '/docs/package.json',
    '/docs/swagger-ui-bundle.js.map',
    '/docs/..%2f..%2fpackage.json',
    '/docs//etc/passwd',
  ])('answers %s, not on the allow-list, with 404 and reads no other file', async (path) => {
    const answer = await send('GET', path);
    expect(answer.status).toBe(404);
    expect(JSON.parse(answer.body.toString('utf8')).error.code).toBe('route_not_found');
    expect(apiPaths).toEqual([]);
  });

  it.each(['/docs/../package.json', '/docs/%2e%2e/package.json', '/docs/%2E%2E/%2e%2e/package.json'])(
    'normalizes %s out of the reference, to an API route that does not exist',
    async (path) => {
      const answer = await send('GET', path);
      expect(answer.status).toBe(404);
      expect(answer.body.toString('utf8')).not.toContain(packageJson.slice(0, 40));
      expect(apiPaths).toEqual(['/package.json']);
    },
  );
});
