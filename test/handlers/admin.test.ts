/**
 * The admin function's middy stack (`createAdminApi`: Powertools context, metrics, the error
 * middleware and the router) called as API Gateway calls it, over memory ports.
 */
import { createAdminApi } from '../../lambdas/admin/app';
import { isId, newId } from '../../lambdas/shared/domain/ids';
import { createLogger } from '../../lambdas/shared/runtime/logging';
import { createMetrics, meterOver } from '../../lambdas/shared/runtime/metrics';
import type { MemoryAuditTrail } from '../fixtures/memory-store';
import { type ApiRequest, apiEvent, type CapturedOutput, captureOutput, lambdaContext, OPERATOR_ARN } from './lambda';
import { activeDestination, organization, paused, pausePorts } from './ports';

let output: CapturedOutput;
beforeEach(() => {
  output = captureOutput();
});
afterEach(() => output.restore());

/** The admin API over memory ports, composed as `handler.ts` composes it over AWS. */
const setUp = () => {
  const logger = createLogger('conveyor-admin', { logLevel: 'DEBUG' });
  const metrics = createMetrics({ deployment: 'conveyor-test' });
  const fakes = pausePorts({ log: logger, meter: meterOver(metrics) });
  const api = createAdminApi(fakes.ports, logger, metrics);
  const call = (method: string, path: string, request?: ApiRequest) =>
    api(apiEvent(method, path, request), lambdaContext('conveyor-admin'));
  return { ...fakes, call };
};

const json = { 'content-type': 'application/json' };
const levelsAndMessages = () => output.logs().map(({ level, message }) => `${level} ${message}`);

describe('routes', () => {
  it('POST /v1/admin/organizations answers 201 with the new organization, and publishes nothing', async () => {
    const { call, directory, ports } = setUp();

    const answer = await call('POST', '/v1/admin/organizations', {
      headers: json,
      body: '{"name":"Hospital","alertEmail":"ops@hospital.example"}',
    });

    expect(answer.statusCode).toBe(201);
    expect(answer.headers).toEqual(json);
    const body = JSON.parse(answer.body!);
    expect(isId('organization', body.id)).toBe(true);
    expect(body).toEqual({ id: body.id, name: 'Hospital', alertEmail: 'ops@hospital.example' });
    expect(directory.organizations.get(body.id)).toEqual({ ...body, createdAt: '2026-11-26T10:00:00.000Z' });
    expect(levelsAndMessages()).toEqual(['INFO Organization created']);
    expect(output.logs()[0]).toMatchObject({ organizationId: body.id, function_name: 'conveyor-admin' });
    expect(output.metrics()).toEqual([]);
    expect((ports.audit as MemoryAuditTrail).entries).toEqual([
      { at: expect.any(String), actor: OPERATOR_ARN, action: 'organization.create', target: body.id },
    ]);
  });

  it('answers a done write as done when its audit entry cannot be stored: the entry logged at ERROR, counted', async () => {
    const { call, ports } = setUp();
    (ports.audit as MemoryAuditTrail).failing = true;

    const answer = await call('POST', '/v1/admin/organizations', {
      headers: json,
      body: '{"name":"Hospital","alertEmail":"ops@hospital.example"}',
    });

    expect(answer.statusCode).toBe(201);
    const { id } = JSON.parse(answer.body!);
    const failure = output.logs().find((line) => line.level === 'ERROR');
    expect(failure).toMatchObject({
      message: 'Audit entry not stored; the write itself succeeded',
      audit: { actor: OPERATOR_ARN, action: 'organization.create', target: id, hadReason: false },
    });
    expect(JSON.stringify(output.metrics())).toContain('AuditWriteFailures');
  });

  it('records an admin request without an IAM principal as actor unknown, with a warning', async () => {
    const { ports } = setUp();
    const logger = createLogger('conveyor-admin', { logLevel: 'DEBUG' });
    const api = createAdminApi(ports, logger, createMetrics({ deployment: 'conveyor-test' }));
    const event = apiEvent('POST', '/v1/admin/organizations', {
      headers: json,
      body: '{"name":"Hospital","alertEmail":"ops@hospital.example"}',
    });
    const { authorizer: _authorizer, ...requestContext } = event.requestContext as typeof event.requestContext & {
      authorizer?: unknown;
    };

    const answer = await api({ ...event, requestContext }, lambdaContext('conveyor-admin'));

    expect(answer.statusCode).toBe(201);
    expect((ports.audit as MemoryAuditTrail).entries[0]?.actor).toBe('unknown');
    expect(levelsAndMessages()).toContain('WARN Admin request without an IAM principal; audited as unknown');
  });

  it('POST /v1/admin/organizations/{organizationId}/destinations answers 201 once its queue and mapping exist', async () => {
    const { call, directory, mappings } = setUp();
    const lab = organization('Lab');
    directory.organizations.set(lab.id, lab);

    const answer = await call('POST', `/v1/admin/organizations/${lab.id}/destinations`, {
      headers: json,
      body: '{"name":"Results","url":"https://lab.example.org/hook","timeoutMs":8000}',
    });

    expect(answer.statusCode).toBe(201);
    const body = JSON.parse(answer.body!);
    expect(body).toEqual({
      id: body.id,
      organizationId: lab.id,
      name: 'Results',
      url: 'https://lab.example.org/hook',
      timeoutMs: 8000,
      inlineRetries: 2,
      signingSecret: expect.stringMatching(/^whsec_/),
      status: 'active',
    });
    expect(mappings.calls).toEqual([`create arn:aws:sqs:${body.id}`]);
  });

  it('POST /v1/admin/destinations/{destinationId}/resume resumes a paused destination whose queue is empty', async () => {
    const { call, directory, mappings, mailed } = setUp();
    const lab = organization('Lab');
    directory.organizations.set(lab.id, lab);
    const destination = paused(activeDestination(lab.id), '2026-11-26T09:00:00.000Z', '2026-11-26T10:05:00.000Z');
    directory.destinations.set(destination.id, destination);

    const answer = await call('POST', `/v1/admin/destinations/${destination.id}/resume`);

    expect(answer.statusCode).toBe(200);
    expect(JSON.parse(answer.body!)).toEqual({
      id: destination.id,
      organizationId: lab.id,
      name: 'Lab results',
      url: 'https://lab.example.org/hook',
      timeoutMs: 5000,
      inlineRetries: 0,
      status: 'active',
      queueDepth: 0,
    });
    // Resuming records the wish; the reconciler (the prober), not admin, enables the mapping.
    expect(mappings.calls).toEqual([]);
    expect(mailed.map(({ to }) => to)).toEqual(['lab@example.org']);
    const published = output.metrics();
    expect(published).toHaveLength(1);
    expect(published[0]).toMatchObject({ service: 'conveyor-test', Resumes: 1, AlertsSent: 1 });
  });
});

describe('errors, in the contract error body', () => {
  const unknownOrganization = newId('organization');
  it.each<[string, string, string, number, string, string, ApiRequest]>([
    [
      'a body that is not JSON',
      'POST',
      '/v1/admin/organizations',
      400,
      'invalid_json',
      'The body is not valid JSON.',
      { headers: json, body: 'name=Hospital' },
    ],
    [
      'a field missing',
      'POST',
      '/v1/admin/organizations',
      400,
      'invalid_request',
      'alertEmail is required.',
      { headers: json, body: '{"name":"Hospital"}' },
    ],
    [
      'an unknown organization',
      'POST',
      `/v1/admin/organizations/${unknownOrganization}/sources`,
      404,
      'organization_not_found',
      `No organization with id "${unknownOrganization}".`,
      { headers: json, body: '{"name":"EHR"}' },
    ],
    ['a path no route serves', 'GET', '/v1/admin/nothing', 404, 'route_not_found', 'No such route.', {}],
    [
      'a path outside the admin API',
      'POST',
      '/v1/messages',
      404,
      'route_not_found',
      'No such route.',
      { headers: json, body: '{}' },
    ],
  ])(
    '%s: %s %s answers %i %s and publishes nothing',
    async (_case, method, path, statusCode, code, message, request) => {
      const { call } = setUp();

      const answer = await call(method, path, request);

      expect(answer).toEqual({ statusCode, headers: json, body: JSON.stringify({ error: { code, message } }) });
      expect(output.metrics()).toEqual([]);
    },
  );

  it('checks a skip reason before anything else, and never logs it nor audits a refused skip', async () => {
    const { call, directory, ports } = setUp();
    const destination = activeDestination(newId('organization'));
    directory.destinations.set(destination.id, destination);
    const skip = (body: unknown) =>
      call('POST', `/v1/admin/destinations/${destination.id}/skip`, { headers: json, body: JSON.stringify(body) });

    const tooLong = await skip({ reason: 'x'.repeat(501) });
    const refused = await skip({ reason: 'Patient Jane Doe asked us to stop' });

    expect(tooLong.statusCode).toBe(400);
    expect(JSON.parse(tooLong.body!).error.message).toContain('reason');
    expect(refused.statusCode).toBe(409);
    expect(JSON.stringify(output.logs())).not.toContain('Jane Doe');
    expect((ports.audit as MemoryAuditTrail).entries).toEqual([]);
  });

  it('answers 409 not_paused for a skip of an active destination', async () => {
    const { call, directory } = setUp();
    const destination = activeDestination(newId('organization'));
    directory.destinations.set(destination.id, destination);

    const answer = await call('POST', `/v1/admin/destinations/${destination.id}/skip`);

    expect(answer).toEqual({
      statusCode: 409,
      headers: json,
      body: JSON.stringify({
        error: {
          code: 'not_paused',
          message: 'The destination is not paused; only the head of a paused destination can be skipped.',
        },
      }),
    });
  });

  it('answers 503 provisioning_failed when the queue cannot be created, logging why by name', async () => {
    const { call, directory, queues } = setUp();
    const lab = organization('Lab');
    directory.organizations.set(lab.id, lab);
    queues.provision = async () => {
      throw Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' });
    };

    const answer = await call('POST', `/v1/admin/organizations/${lab.id}/destinations`, {
      headers: json,
      body: '{"name":"Results","url":"https://lab.example.org/hook"}',
    });

    expect(answer).toEqual({
      statusCode: 503,
      headers: json,
      body: JSON.stringify({
        error: {
          code: 'provisioning_failed',
          message: 'The destination queue or its mapping could not be created; retry.',
        },
      }),
    });
    expect(levelsAndMessages()).toEqual(['ERROR Destination provisioning failed', 'WARN Request not accepted']);
    expect(output.logs()[0]).toMatchObject({ errorName: 'ThrottlingException', errorMessage: 'Rate exceeded' });
    expect(output.logs()[1]).toMatchObject({ code: 'provisioning_failed' });
  });

  it('answers an unexpected error with a bare 500 internal_error, logged by name without its message', async () => {
    // Prepare: the store fails with a message quoting the item, alert address included.
    const { call, directory } = setUp();
    directory.putOrganization = async (organization) => {
      const message = `One or more parameter values were invalid: ${JSON.stringify(organization)}`;
      throw Object.assign(new Error(message), { name: 'ValidationException' });
    };

    const answer = await call('POST', '/v1/admin/organizations', {
      headers: json,
      body: '{"name":"Hospital","alertEmail":"jane.roe@hospital.example"}',
    });

    expect(answer).toEqual({
      statusCode: 500,
      headers: json,
      body: '{"error":{"code":"internal_error","message":"An internal error occurred. Retry later."}}',
    });
    expect(levelsAndMessages()).toEqual(['ERROR Unhandled error']);
    expect(output.logs()[0]).toMatchObject({ errorName: 'ValidationException' });
    expect(output.text()).not.toContain('jane.roe');
    expect(output.text()).not.toContain('parameter values');
    expect(output.metrics()).toEqual([]);
  });
});
