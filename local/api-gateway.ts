/**
 * A stand-in for API Gateway's HTTP API on 127.0.0.1: turns each request into a v2 proxy event,
 * calls the same handler API Gateway would (admin routes after checking the admin token, as IAM
 * authorization does on AWS), and writes the handler's answer back.
 */
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { MAX_BODY_BYTES } from '../lambdas/shared/http/api';
import { localContext } from './lambda-context';
import { localLog } from './local-log';
import { serveReference } from './reference-pages';
import { FUNCTION_TIMEOUT_SECONDS } from '../lambdas/shared/runtime/function-timeouts';
import { stackFields } from '../lambdas/shared/runtime/logging';

type ApiHandler = (event: APIGatewayProxyEventV2, context: Context) => Promise<APIGatewayProxyStructuredResultV2>;

export interface GatewayOptions {
  readonly port: number;
  readonly adminToken: string;
  readonly ingest: ApiHandler;
  readonly admin: ApiHandler;
}

const sendError = (response: ServerResponse, statusCode: number, code: string, message: string) => {
  response.writeHead(statusCode, { 'content-type': 'application/json' });
  response.end(JSON.stringify({ error: { code, message } }));
};

const tokenMatches = (authorization: string | undefined, adminToken: string) => {
  const expected = Buffer.from(`Bearer ${adminToken}`);
  const actual = Buffer.from(authorization ?? '');
  return actual.length === expected.length && timingSafeEqual(actual, expected);
};

/** Reads the body, answering 413 past API Gateway's 10 MB limit without buffering more. */
const readBody = (request: IncomingMessage): Promise<Buffer | undefined> =>
  new Promise((resolveBody, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        resolveBody(undefined);
        request.resume();
        return;
      }
      chunks.push(chunk);
    });
    request.on('end', () => resolveBody(size > MAX_BODY_BYTES ? undefined : Buffer.concat(chunks)));
    request.on('error', reject);
  });

/**
 * The principal of an admin request in local mode, where API Gateway's IAM authorization puts the
 * caller's ARN (`requestContext.authorizer.iam.userArn`): the audit trail records it as the actor.
 */
export const LOCAL_ADMIN_PRINCIPAL = 'local-admin';

/** The request context's `authorizer` of an admin request that passed the token check, shaped like IAM's. */
const localAdminAuthorizer = {
  iam: {
    accessKey: '',
    accountId: '000000000000',
    callerId: LOCAL_ADMIN_PRINCIPAL,
    cognitoIdentity: null,
    principalOrgId: null,
    userArn: LOCAL_ADMIN_PRINCIPAL,
    userId: LOCAL_ADMIN_PRINCIPAL,
  },
};

const toEvent = (request: IncomingMessage, body: Buffer, isAdmin: boolean): APIGatewayProxyEventV2 => {
  const url = new URL(request.url ?? '/', 'http://127.0.0.1');
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers)) {
    if (value !== undefined) headers[name.toLowerCase()] = Array.isArray(value) ? value.join(',') : value;
  }
  const query: Record<string, string> = {};
  for (const [name, value] of url.searchParams)
    query[name] = query[name] === undefined ? value : `${query[name]},${value}`;
  const now = new Date();
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath: url.pathname,
    rawQueryString: url.search.slice(1),
    headers,
    queryStringParameters: Object.keys(query).length > 0 ? query : undefined,
    // Base64, as API Gateway sends binary bodies, so the handler sees the exact bytes (and can refuse non-UTF-8).
    body: body.length > 0 ? body.toString('base64') : undefined,
    isBase64Encoded: body.length > 0,
    requestContext: {
      accountId: '000000000000',
      apiId: 'local',
      domainName: '127.0.0.1',
      domainPrefix: 'local',
      http: {
        method: request.method ?? 'GET',
        path: url.pathname,
        protocol: 'HTTP/1.1',
        sourceIp: request.socket.remoteAddress ?? '127.0.0.1',
        userAgent: headers['user-agent'] ?? '',
      },
      requestId: crypto.randomUUID(),
      routeKey: '$default',
      stage: '$default',
      time: now.toUTCString(),
      timeEpoch: now.getTime(),
      ...(isAdmin ? { authorizer: localAdminAuthorizer } : {}),
    },
  } as APIGatewayProxyEventV2;
};

export const startGateway = async (options: GatewayOptions): Promise<{ url: string; stop: () => Promise<void> }> => {
  const server: Server = createServer((request, response) => {
    void (async () => {
      // The API reference (`/docs`, `/openapi.yaml`) is served here, never by the API's handlers.
      if (await serveReference(request, response)) return;
      const body = await readBody(request);
      if (body === undefined) return sendError(response, 413, 'payload_too_large', 'The body is larger than 10 MB.');
      const path = new URL(request.url ?? '/', 'http://127.0.0.1').pathname;
      const isAdmin = path === '/v1/admin' || path.startsWith('/v1/admin/');
      const event = toEvent(request, body, isAdmin);
      if (isAdmin && !tokenMatches(event.headers.authorization, options.adminToken)) {
        return sendError(response, 401, 'unauthorized', 'The Authorization header must be "Bearer <admin token>".');
      }
      const handler = isAdmin ? options.admin : options.ingest;
      // The deployed functions' deadlines: a local request may not run longer than the function could.
      const timeoutMs = (isAdmin ? FUNCTION_TIMEOUT_SECONDS.admin : FUNCTION_TIMEOUT_SECONDS.ingest) * 1000;
      const result = await handler(event, localContext(isAdmin ? 'conveyor-admin' : 'conveyor-ingest', timeoutMs));
      response.writeHead(result.statusCode ?? 200, (result.headers ?? {}) as Record<string, string>);
      response.end(result.body ?? '');
    })().catch((error: unknown) => {
      // Lambda would report a failed invocation in its own log: say what it was (name and frames, never a body).
      localLog('ERROR', 'Local API gateway: the handler failed', stackFields(error));
      if (!response.headersSent) sendError(response, 500, 'internal_error', 'An internal error occurred. Retry later.');
      else response.destroy();
    });
  });
  // Idle keep-alive connections are closed after 65 s, not Node's 5 s: a client that reuses one
  // just as the server closes it gets ECONNRESET, and idle gaps of a few seconds are common (a
  // test waiting for a delivery, a loaded machine); a minute-long gap is rare. Clients read the
  // `Keep-Alive: timeout` hint and stop reusing a connection before then.
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  await new Promise<void>((resolveListen, reject) => {
    server.once('error', reject);
    server.listen(options.port, '127.0.0.1', () => resolveListen());
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  return {
    url: `http://127.0.0.1:${port}`,
    stop: () =>
      new Promise<void>((resolveClose) => {
        server.closeAllConnections();
        server.close(() => resolveClose());
      }),
  };
};
