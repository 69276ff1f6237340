/**
 * docs/openapi.yaml against the code that serves it: every documented operation is routed by the
 * function that serves its path (or, marked `x-conveyor-status: planned`, answers 404
 * `route_not_found`), no other method is routed on a documented path, and every operation lists
 * the statuses that every operation of its kind can answer. Redocly's linter checks the rest
 * (structure, references, examples against their schemas).
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { AdminPorts } from '../../../lambdas/admin/directory-admin';
import { adminRoutes, createAdminApi } from '../../../lambdas/admin/app';
import { createIngestApi, ingestRoutes, type IngestPorts } from '../../../lambdas/ingest/app';
import { createLogger } from '../../../lambdas/shared/runtime/logging';
import { createMetrics } from '../../../lambdas/shared/runtime/metrics';
import { apiEvent, type CapturedOutput, captureOutput, lambdaContext } from '../../handlers/lambda';

// js-yaml comes with Jest (it has no type declarations of its own); only its `load` is used.
const { load } = createRequire(__filename)('js-yaml') as { load: (text: string) => unknown };

interface Reference {
  readonly $ref?: string;
  readonly description?: string;
  readonly content?: Record<string, { example?: unknown; schema?: { $ref?: string } }>;
}
interface Operation {
  readonly operationId?: string;
  readonly 'x-conveyor-status'?: string;
  readonly security?: ReadonlyArray<Record<string, unknown>>;
  readonly parameters?: ReadonlyArray<Reference & { in?: string }>;
  readonly requestBody?: unknown;
  readonly responses: Record<string, Reference>;
}
interface Document {
  readonly paths: Record<string, Record<string, Operation>>;
  readonly components: { readonly parameters: Record<string, { in: string }> };
}

const document = load(readFileSync('docs/openapi.yaml', 'utf8')) as Document;

const METHODS = ['get', 'post', 'put', 'patch', 'delete'] as const;

const operations = Object.entries(document.paths).flatMap(([path, byMethod]) =>
  Object.entries(byMethod)
    .filter(([method]) => (METHODS as readonly string[]).includes(method))
    .map(([method, operation]) => ({ path, method, operation })),
);

/** A parameter, its `$ref` followed. */
const parameterIn = (parameter: Reference & { in?: string }) =>
  parameter.$ref === undefined
    ? parameter.in
    : document.components.parameters[parameter.$ref.replace('#/components/parameters/', '')]?.in;

const isAdmin = (path: string) => path.startsWith('/v1/admin/');

describe('docs/openapi.yaml lists, for each operation', () => {
  it('a unique camelCase operationId', () => {
    const ids = operations.map(({ operation }) => operation.operationId);
    for (const id of ids) expect(id).toMatch(/^[a-z][A-Za-z]+$/);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it.each(operations.map(({ path, method, operation }) => [operation.operationId, path, method, operation] as const))(
    '%s (%s %s): the statuses every operation of its kind answers, in the error shape',
    (_id, path, _method, operation) => {
      const statuses = Object.keys(operation.responses);
      // Every route takes a key or a token (401) and can fail unexpectedly (500).
      const expected = ['500', '401'];
      if (operation.requestBody !== undefined) expected.push('400', '413', '415');
      if ((operation.parameters ?? []).some((parameter) => parameterIn(parameter) === 'path')) expected.push('404');
      if ((operation.parameters ?? []).some((parameter) => parameter.$ref === '#/components/parameters/Limit')) {
        expected.push('400');
      }
      expect(statuses).toEqual(expect.arrayContaining(expected));
      for (const status of statuses.filter((code) => /^[45]/.test(code))) {
        expect(operation.responses[status]?.$ref).toBe('#/components/responses/Error');
      }
      const successes = statuses.filter((code) => /^2/.test(code));
      expect(successes).toHaveLength(1);
      const success = operation.responses[successes[0]!]!;
      if (successes[0] === '204') expect(success.content).toBeUndefined();
      else expect(success.content?.['application/json']?.example).toBeDefined();
      if (isAdmin(path)) expect(operation.security).toEqual([{ adminIam: [] }, { adminToken: [] }]);
      else expect(operation.security).toBeUndefined();
    },
  );
});

describe('the functions route', () => {
  let output: CapturedOutput;
  beforeEach(() => {
    output = captureOutput();
  });
  afterEach(() => output.restore());

  // No ports: an answer is all that is looked at, and any answer but 404 `route_not_found` (a
  // 404 for the junk id, a 415 for the missing body, even a 500 from a missing port) shows the
  // route is there.
  const logger = createLogger('conveyor-test');
  const metrics = createMetrics({ deployment: 'conveyor-test', metricsDisabled: true });
  const admin = createAdminApi({} as AdminPorts, logger, metrics);
  const ingest = createIngestApi(
    { cacheTtlMs: 0, idempotencyLeaseMs: 0, maxQueueMessageBytes: 0 } as IngestPorts,
    logger,
    metrics,
  );

  /** The code the function answers `method path` with (path parameters filled with a junk id). */
  const answerCode = async (method: string, templatePath: string) => {
    const path = templatePath.replace(/\{[^}]+\}/g, 'x');
    const [api, name] = isAdmin(path) ? [admin, 'conveyor-admin'] : [ingest, 'conveyor-ingest'];
    const answer = await api(apiEvent(method.toUpperCase(), path), lambdaContext(name));
    const body = JSON.parse(answer.body ?? '{}') as { error?: { code?: string } };
    return `${answer.statusCode} ${body.error?.code ?? ''}`.trim();
  };

  it.each(operations.map(({ path, method, operation }) => [operation.operationId, path, method, operation] as const))(
    '%s (%s %s) as documented: served, or planned and answering 404 route_not_found',
    async (_id, path, method, operation) => {
      const code = await answerCode(method, path);
      if (operation['x-conveyor-status'] === 'planned') expect(code).toBe('404 route_not_found');
      else expect(code).not.toBe('404 route_not_found');
    },
  );

  it.each(Object.keys(document.paths))('no undocumented method on %s', async (path) => {
    const undocumented = METHODS.filter((method) => document.paths[path]?.[method] === undefined);
    for (const method of undocumented) {
      expect(`${method} ${await answerCode(method, path)}`).toBe(`${method} 404 route_not_found`);
    }
  });
});

describe('the routers and the document', () => {
  // Parameter names differ freely between the two (`{orgId}` in the document, `{organizationId}`
  // in the router): a route is its method and its path with every parameter as `{}`.
  const normalised = (method: string, path: string) => `${method.toUpperCase()} ${path.replace(/\{[^}]+\}/g, '{}')}`;
  const logger = createLogger('conveyor-test');
  const metrics = createMetrics({ deployment: 'conveyor-test', metricsDisabled: true });
  const routed = [
    ...adminRoutes({} as AdminPorts),
    ...ingestRoutes({ cacheTtlMs: 0 } as IngestPorts, logger, metrics),
  ].map(({ method, path }) => normalised(method, path));
  const served = operations
    .filter(({ operation }) => operation['x-conveyor-status'] !== 'planned')
    .map(({ method, path }) => normalised(method, path));

  it('route the same operations the document serves (planned ones excepted), both ways', () => {
    expect([...routed].sort()).toEqual([...served].sort());
  });

  it('route each operation once', () => {
    expect(new Set(routed).size).toBe(routed.length);
  });
});
