/**
 * The API reference on the local gateway: `/openapi.yaml` (the contract, `docs/openapi.yaml`, byte
 * for byte) and `/docs`, Swagger UI rendering it from `swagger-ui-dist`'s files — served from
 * node_modules, because many hospital networks (and this machine) reach no CDN. Neither needs the
 * admin token: the document describes the API, it holds no data.
 *
 * Only a fixed allow-list of files is served, looked up by exact path, so no request path ever
 * reaches the file system (no traversal). Anything else under these paths, and any method other
 * than GET and HEAD, answers 404 `route_not_found`, as the API does for a route it does not serve.
 */
import { readFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { noSuchRoute } from '../lambdas/shared/domain/errors';

/** Where the rendered reference is served. */
export const REFERENCE_PAGE_PATH = '/docs';
/** Where the raw OpenAPI document is served (`application/yaml`). */
export const REFERENCE_DOCUMENT_PATH = '/openapi.yaml';

/** The contract, read on every request so an edited document shows without a restart. */
const DOCUMENT_FILE = join(import.meta.dirname, '..', 'docs', 'openapi.yaml');
const SWAGGER_UI_DIR = dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/absolute-path.js'));

/**
 * Everything from this origin only, nothing inline, no page may frame this one. Swagger UI needs no
 * `'unsafe-inline'`: React sets its styles through the CSSOM, which the policy does not govern
 * (`npm run docs:check` fails on any violation the browser reports); its CSS draws icons from `data:` images.
 */
const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

const INITIALIZER_PATH = `${REFERENCE_PAGE_PATH}/conveyor-reference.js`;

/** The page: no inline script (the policy forbids it), the initializer is a file of its own. */
const PAGE = `<!DOCTYPE html>
<html lang="en">
  <head>
    <meta charset="utf-8">
    <title>Conveyor API reference</title>
    <link rel="stylesheet" type="text/css" href="${REFERENCE_PAGE_PATH}/swagger-ui.css">
    <link rel="icon" type="image/png" href="${REFERENCE_PAGE_PATH}/favicon-32x32.png" sizes="32x32">
    <link rel="icon" type="image/png" href="${REFERENCE_PAGE_PATH}/favicon-16x16.png" sizes="16x16">
  </head>
  <body>
    <div id="swagger-ui"></div>
    <script src="${REFERENCE_PAGE_PATH}/swagger-ui-bundle.js" charset="utf-8"></script>
    <script src="${INITIALIZER_PATH}" charset="utf-8"></script>
  </body>
</html>
`;

// validatorUrl null: Swagger UI would otherwise send the document to validator.swagger.io. Operation ids
// are shown because generated clients and the CLI name their calls by them.
const INITIALIZER = `window.addEventListener('load', function () {
  window.ui = SwaggerUIBundle({
    url: '${REFERENCE_DOCUMENT_PATH}',
    dom_id: '#swagger-ui',
    deepLinking: true,
    validatorUrl: null,
    displayOperationId: true,
    presets: [SwaggerUIBundle.presets.apis],
    layout: 'BaseLayout',
  });
});
`;

interface ReferenceFile {
  readonly contentType: string;
  readonly body: () => Promise<Buffer>;
}

const fromSwaggerUi = (name: string, contentType: string): [string, ReferenceFile] => [
  `${REFERENCE_PAGE_PATH}/${name}`,
  { contentType, body: () => readFile(join(SWAGGER_UI_DIR, name)) },
];

const page: ReferenceFile = { contentType: 'text/html; charset=utf-8', body: async () => Buffer.from(PAGE) };

/** The allow-list: exact request paths to what they answer. */
const FILES = new Map<string, ReferenceFile>([
  [REFERENCE_PAGE_PATH, page],
  [`${REFERENCE_PAGE_PATH}/`, page],
  [INITIALIZER_PATH, { contentType: 'text/javascript; charset=utf-8', body: async () => Buffer.from(INITIALIZER) }],
  fromSwaggerUi('swagger-ui.css', 'text/css; charset=utf-8'),
  fromSwaggerUi('swagger-ui-bundle.js', 'text/javascript; charset=utf-8'),
  fromSwaggerUi('favicon-32x32.png', 'image/png'),
  fromSwaggerUi('favicon-16x16.png', 'image/png'),
  [REFERENCE_DOCUMENT_PATH, { contentType: 'application/yaml; charset=utf-8', body: () => readFile(DOCUMENT_FILE) }],
]);

const isReferencePath = (path: string) =>
  path === REFERENCE_DOCUMENT_PATH || path === REFERENCE_PAGE_PATH || path.startsWith(`${REFERENCE_PAGE_PATH}/`);

/**
 * Answers a request for the reference (`/docs`, `/docs/…`, `/openapi.yaml`) and returns true, or
 * returns false, having written nothing, for any other path (the API's). The path is the request
 * URL's, normalized as a browser would (`/docs/../x` and `/docs/%2e%2e/x` are `/x`), then matched
 * exactly against the allow-list. Never throws for a request; a file missing from node_modules
 * rejects, and the gateway answers 500.
 */
export const serveReference = async (request: IncomingMessage, response: ServerResponse): Promise<boolean> => {
  const path = new URL(request.url ?? '/', 'http://127.0.0.1').pathname;
  if (!isReferencePath(path)) return false;
  const file = FILES.get(path);
  if (file === undefined || (request.method !== 'GET' && request.method !== 'HEAD')) {
    const error = noSuchRoute();
    response.writeHead(error.statusCode, { 'content-type': 'application/json' });
    response.end(JSON.stringify({ error: { code: error.code, message: error.message } }));
    return true;
  }
  const body = await file.body();
  response.writeHead(200, {
    'content-type': file.contentType,
    'content-length': String(body.length),
    'content-security-policy': CONTENT_SECURITY_POLICY,
    'x-content-type-options': 'nosniff',
    // The reference follows the checkout: always revalidate rather than show a stale document.
    'cache-control': 'no-cache',
  });
  response.end(request.method === 'HEAD' ? undefined : body);
  return true;
};
