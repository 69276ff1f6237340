/**
 * Every wrong form of every field and header of `POST /v1/messages`, of `GET /v1/messages/{id}`
 * and of the admin API gets the contract's 4xx with a code and a message naming the field, never a
 * 5xx, and nothing from a refused request is ever enqueued.
 */
import { startReceiver, type Receiver } from '../fixtures/receiver';
import { type HttpAnswer, startTestConveyor, type TestConveyor, waitFor } from '../fixtures/conveyor';

jest.setTimeout(120_000);

let conveyor: TestConveyor;
let receiver: Receiver;
let organization: { id: string };
let source: { id: string; apiKey: string };
let destination: { id: string };
let unsubscribed: { id: string };

beforeAll(async () => {
  conveyor = await startTestConveyor();
  receiver = await startReceiver();
  ({ organization, source, destination } = await conveyor.createRoute(receiver.url, 'PatientAdmin'));
  unsubscribed = await conveyor.createDestination(organization.id, receiver.url);
});

afterAll(async () => {
  await conveyor?.stop();
  await receiver?.close();
});

const UNKNOWN_DESTINATION = 'dst_01J00000000000000000000000';
const valid = () => ({ meta: { dataModel: 'PatientAdmin', eventType: 'Arrival' }, data: { mrn: '12345' } });
const withMeta = (meta: Record<string, unknown>) => ({ meta: { ...valid().meta, ...meta }, data: valid().data });
/** A valid message body of exactly `bytes` bytes (its data a string of `x`). */
const bodyOfBytes = (bytes: number) =>
  JSON.stringify({ ...valid(), data: 'x'.repeat(bytes - Buffer.byteLength(JSON.stringify({ ...valid(), data: '' }))) });
const post = (body: unknown, headers: Record<string, string> = {}) =>
  conveyor.request('POST', '/v1/messages', {
    ...(typeof body === 'string' || Buffer.isBuffer(body) ? { rawBody: body } : { body }),
    headers: { authorization: `Bearer ${source.apiKey}`, 'content-type': 'application/json', ...headers },
  });

interface Case {
  readonly request: () => Promise<HttpAnswer>;
  readonly status: number;
  readonly code: string;
  /** A word the message must contain: the field or header at fault. */
  readonly names?: string;
}

const ingestCases: Record<string, Case> = {
  'no Authorization header': {
    request: () => post(valid(), { authorization: '' }),
    status: 401,
    code: 'unauthorized',
    names: 'Authorization',
  },
  'a Basic Authorization header': {
    request: () => post(valid(), { authorization: 'Basic dXNlcjpwYXNz' }),
    status: 401,
    code: 'unauthorized',
    names: 'Authorization',
  },
  'Bearer without a key': {
    request: () => post(valid(), { authorization: 'Bearer' }),
    status: 401,
    code: 'unauthorized',
    names: 'Authorization',
  },
  'an unknown API key': {
    request: () => post(valid(), { authorization: 'Bearer cvk_not-a-real-key' }),
    status: 401,
    code: 'unauthorized',
    names: 'API key',
  },
  'an API key with a space': {
    request: () => post(valid(), { authorization: 'Bearer a b' }),
    status: 401,
    code: 'unauthorized',
    names: 'Authorization',
  },
  'no Content-Type': {
    request: () => post(JSON.stringify(valid()), { 'content-type': '' }),
    status: 415,
    code: 'unsupported_media_type',
    names: 'Content-Type',
  },
  'text/plain': {
    request: () => post(JSON.stringify(valid()), { 'content-type': 'text/plain' }),
    status: 415,
    code: 'unsupported_media_type',
    names: 'Content-Type',
  },
  'a non-UTF-8 charset': {
    request: () => post(JSON.stringify(valid()), { 'content-type': 'application/json; charset=iso-8859-1' }),
    status: 415,
    code: 'unsupported_media_type',
    names: 'Content-Type',
  },
  'an empty Idempotency-Key': {
    request: () => post(valid(), { 'idempotency-key': '' }),
    status: 400,
    code: 'invalid_request',
    names: 'Idempotency-Key',
  },
  'a 256-character Idempotency-Key': {
    request: () => post(valid(), { 'idempotency-key': 'k'.repeat(256) }),
    status: 400,
    code: 'invalid_request',
    names: 'Idempotency-Key',
  },
  'an Idempotency-Key with a tab': {
    request: () => post(valid(), { 'idempotency-key': 'a\tb' }),
    status: 400,
    code: 'invalid_request',
    names: 'Idempotency-Key',
  },
  'an empty body': { request: () => post(''), status: 400, code: 'invalid_json' },
  'truncated JSON': { request: () => post('{"meta": {'), status: 400, code: 'invalid_json' },
  'a JSON array': { request: () => post('[]'), status: 400, code: 'invalid_request', names: 'object' },
  'data nested 65 deep': {
    request: () => post(`{"meta":{},"data":${'['.repeat(65)}${']'.repeat(65)}}`),
    status: 400,
    code: 'invalid_request',
    names: 'data is nested deeper than 64 levels',
  },
  'bytes that are not UTF-8': {
    request: () => post(Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x7d])),
    status: 400,
    code: 'invalid_request',
    names: 'UTF-8',
  },
  'an unknown top-level field': {
    request: () => post({ ...valid(), extra: 1 }),
    status: 400,
    code: 'invalid_request',
    names: 'extra',
  },
  'data twice': {
    request: () =>
      post('{"meta":{"dataModel":"PatientAdmin","eventType":"Arrival"},"data":{"mrn":"1"},"data":{"mrn":"2"}}'),
    status: 400,
    code: 'invalid_request',
    names: '"data" twice',
  },
  'meta.dataModel twice': {
    request: () => post('{"meta":{"dataModel":"PatientAdmin","dataModel":"Other","eventType":"Arrival"},"data":{}}'),
    status: 400,
    code: 'invalid_request',
    names: '"dataModel" twice in meta',
  },
  'a key twice inside data': {
    request: () => post('{"meta":{"dataModel":"PatientAdmin","eventType":"Arrival"},"data":{"mrn":"1","mrn":"2"}}'),
    status: 400,
    code: 'invalid_request',
    names: 'a key twice in one object inside data',
  },
  'no meta': { request: () => post({ data: {} }), status: 400, code: 'invalid_request', names: 'meta' },
  'meta as a string': {
    request: () => post({ meta: 'PatientAdmin', data: {} }),
    status: 400,
    code: 'invalid_request',
    names: 'meta',
  },
  'no data': { request: () => post({ meta: valid().meta }), status: 400, code: 'invalid_request', names: 'data' },
  'no meta.dataModel': {
    request: () => post({ meta: { eventType: 'Arrival' }, data: {} }),
    status: 400,
    code: 'invalid_request',
    names: 'meta.dataModel',
  },
  'a numeric meta.dataModel': {
    request: () => post(withMeta({ dataModel: 7 })),
    status: 400,
    code: 'invalid_request',
    names: 'meta.dataModel',
  },
  'an empty meta.dataModel': {
    request: () => post(withMeta({ dataModel: '' })),
    status: 400,
    code: 'invalid_request',
    names: 'meta.dataModel',
  },
  'a blank meta.dataModel': {
    request: () => post(withMeta({ dataModel: '   ' })),
    status: 400,
    code: 'invalid_request',
    names: 'meta.dataModel',
  },
  'a 129-character meta.dataModel': {
    request: () => post(withMeta({ dataModel: 'm'.repeat(129) })),
    status: 400,
    code: 'invalid_request',
    names: 'meta.dataModel',
  },
  'a non-ASCII meta.dataModel': {
    request: () => post(withMeta({ dataModel: 'Pätient' })),
    status: 400,
    code: 'invalid_request',
    names: 'meta.dataModel',
  },
  'no meta.eventType': {
    request: () => post({ meta: { dataModel: 'PatientAdmin' }, data: {} }),
    status: 400,
    code: 'invalid_request',
    names: 'meta.eventType',
  },
  'a null meta.eventType': {
    request: () => post(withMeta({ eventType: null })),
    status: 400,
    code: 'invalid_request',
    names: 'meta.eventType',
  },
  'an unknown meta field': {
    request: () => post(withMeta({ priority: 'high' })),
    status: 400,
    code: 'invalid_request',
    names: 'meta.priority',
  },
  'meta.destinations as a string': {
    request: () => post(withMeta({ destinations: destination.id })),
    status: 400,
    code: 'invalid_request',
    names: 'meta.destinations',
  },
  'an empty meta.destinations': {
    request: () => post(withMeta({ destinations: [] })),
    status: 400,
    code: 'invalid_request',
    names: 'meta.destinations',
  },
  'a malformed destination id': {
    request: () => post(withMeta({ destinations: ['lab'] })),
    status: 400,
    code: 'invalid_request',
    names: 'meta.destinations.0',
  },
  'a destination named twice': {
    request: () => post(withMeta({ destinations: [destination.id, destination.id] })),
    status: 400,
    code: 'invalid_request',
    names: 'meta.destinations',
  },
  '51 destinations': {
    request: () => post(withMeta({ destinations: Array(51).fill(destination.id) })),
    status: 400,
    code: 'invalid_request',
    names: 'meta.destinations',
  },
  'an unknown destination': {
    request: () => post(withMeta({ destinations: [UNKNOWN_DESTINATION] })),
    status: 404,
    code: 'destination_not_found',
    names: UNKNOWN_DESTINATION,
  },
  'a destination without a subscription': {
    request: () => post(withMeta({ destinations: [unsubscribed.id] })),
    status: 403,
    code: 'destination_not_allowed',
    names: 'meta.destinations',
  },
  'a data model no subscription covers': {
    request: () => post(withMeta({ dataModel: 'Billing' })),
    status: 422,
    code: 'no_destination',
    names: 'meta.dataModel',
  },
  'a body of 3,000,001 bytes': {
    request: () => post(bodyOfBytes(3_000_001)),
    status: 413,
    code: 'payload_too_large',
    names: 'POST /v1/uploads',
  },
  'a body over 10 MB': {
    request: () => post(JSON.stringify({ ...valid(), data: 'x'.repeat(10 * 1024 * 1024) })),
    status: 413,
    code: 'payload_too_large',
  },
  'GET of a malformed message id': {
    request: () =>
      conveyor.request('GET', '/v1/messages/nope', { headers: { authorization: `Bearer ${source.apiKey}` } }),
    status: 404,
    code: 'message_not_found',
  },
  'GET of an unknown message id': {
    request: () =>
      conveyor.request('GET', '/v1/messages/msg_01J00000000000000000000000', {
        headers: { authorization: `Bearer ${source.apiKey}` },
      }),
    status: 404,
    code: 'message_not_found',
  },
  'GET of a message without credentials': {
    request: () => conveyor.request('GET', '/v1/messages/msg_01J00000000000000000000000'),
    status: 401,
    code: 'unauthorized',
  },
  'an unknown route': { request: () => conveyor.request('GET', '/v2/messages'), status: 404, code: 'route_not_found' },
  'a method the route does not have': {
    request: () => conveyor.request('DELETE', '/v1/messages'),
    status: 404,
    code: 'route_not_found',
  },
};

const admin = (method: string, path: string, body?: unknown) => conveyor.admin(method, path, body);
const adminRaw = (path: string, rawBody: string, contentType = 'application/json') =>
  conveyor.request('POST', path, {
    rawBody,
    headers: { authorization: `Bearer ${conveyor.local.adminToken}`, 'content-type': contentType },
  });
const destinationBody = (overrides: Record<string, unknown>) => ({
  name: 'Lab',
  url: 'https://93.184.216.34/hook',
  ...overrides,
});
const newDestination = (body: unknown) =>
  admin('POST', `/v1/admin/organizations/${organization.id}/destinations`, body);
const subscriptionBody = (overrides: Record<string, unknown>) => ({
  sourceId: source.id,
  destinationId: destination.id,
  dataModel: 'PatientAdmin',
  ...overrides,
});

const adminCases: Record<string, Case> = {
  'no admin token': {
    request: () => conveyor.request('POST', '/v1/admin/organizations', { body: { name: 'x', alertEmail: 'a@b.org' } }),
    status: 401,
    code: 'unauthorized',
  },
  'a wrong admin token': {
    request: () =>
      conveyor.request('GET', `/v1/admin/destinations/${destination.id}`, {
        headers: { authorization: 'Bearer wrong' },
      }),
    status: 401,
    code: 'unauthorized',
  },
  'organization: invalid JSON': {
    request: () => adminRaw('/v1/admin/organizations', '{"name":'),
    status: 400,
    code: 'invalid_json',
  },
  'organization: name twice': {
    request: () => adminRaw('/v1/admin/organizations', '{"name":"a","name":"b","alertEmail":"a@b.org"}'),
    status: 400,
    code: 'invalid_request',
    names: '"name" twice',
  },
  'organization: text/plain': {
    request: () => adminRaw('/v1/admin/organizations', '{}', 'text/plain'),
    status: 415,
    code: 'unsupported_media_type',
    names: 'Content-Type',
  },
  'organization: no name': {
    request: () => admin('POST', '/v1/admin/organizations', { alertEmail: 'a@b.org' }),
    status: 400,
    code: 'invalid_request',
    names: 'name',
  },
  'organization: numeric name': {
    request: () => admin('POST', '/v1/admin/organizations', { name: 1, alertEmail: 'a@b.org' }),
    status: 400,
    code: 'invalid_request',
    names: 'name',
  },
  'organization: 201-character name': {
    request: () => admin('POST', '/v1/admin/organizations', { name: 'n'.repeat(201), alertEmail: 'a@b.org' }),
    status: 400,
    code: 'invalid_request',
    names: 'name',
  },
  'organization: no alertEmail': {
    request: () => admin('POST', '/v1/admin/organizations', { name: 'x' }),
    status: 400,
    code: 'invalid_request',
    names: 'alertEmail',
  },
  'organization: invalid alertEmail': {
    request: () => admin('POST', '/v1/admin/organizations', { name: 'x', alertEmail: 'not an address' }),
    status: 400,
    code: 'invalid_request',
    names: 'alertEmail',
  },
  'organization: unknown field': {
    request: () => admin('POST', '/v1/admin/organizations', { name: 'x', alertEmail: 'a@b.org', plan: 'gold' }),
    status: 400,
    code: 'invalid_request',
    names: 'plan',
  },
  'source: unknown organization (before the body)': {
    request: () => admin('POST', '/v1/admin/organizations/org_01J00000000000000000000000/sources', {}),
    status: 404,
    code: 'organization_not_found',
  },
  'source: malformed organization id': {
    request: () => admin('POST', '/v1/admin/organizations/acme/sources', { name: 'x' }),
    status: 404,
    code: 'organization_not_found',
  },
  'source: no name': {
    request: () => admin('POST', `/v1/admin/organizations/${organization.id}/sources`, {}),
    status: 400,
    code: 'invalid_request',
    names: 'name',
  },
  'destination: unknown organization': {
    request: () =>
      admin('POST', '/v1/admin/organizations/org_01J00000000000000000000000/destinations', destinationBody({})),
    status: 404,
    code: 'organization_not_found',
  },
  'destination: no url': {
    request: () => newDestination({ name: 'Lab' }),
    status: 400,
    code: 'invalid_request',
    names: 'url',
  },
  'destination: url not a URL': {
    request: () => newDestination(destinationBody({ url: 'lab.example/hook' })),
    status: 400,
    code: 'invalid_request',
    names: 'url',
  },
  'destination: ftp url': {
    request: () => newDestination(destinationBody({ url: 'ftp://93.184.216.34/' })),
    status: 400,
    code: 'invalid_request',
    names: 'url',
  },
  'destination: http to a public address': {
    request: () => newDestination(destinationBody({ url: 'http://93.184.216.34/hook' })),
    status: 400,
    code: 'invalid_request',
    names: 'url',
  },
  'destination: the metadata endpoint': {
    request: () => newDestination(destinationBody({ url: 'http://169.254.169.254/latest/meta-data' })),
    status: 400,
    code: 'invalid_request',
    names: 'link-local',
  },
  'destination: a link-local IPv6 address': {
    request: () => newDestination(destinationBody({ url: 'https://[fe80::1]/hook' })),
    status: 400,
    code: 'invalid_request',
    names: 'url',
  },
  'destination: port 0': {
    request: () => newDestination(destinationBody({ url: 'https://93.184.216.34:0/hook' })),
    status: 400,
    code: 'invalid_request',
    names: 'url has port 0',
  },
  'destination: a port above 65535': {
    request: () => newDestination(destinationBody({ url: 'https://93.184.216.34:65536/hook' })),
    status: 400,
    code: 'invalid_request',
    names: 'url',
  },
  'destination: a 6to4 address embedding the metadata endpoint': {
    request: () => newDestination(destinationBody({ url: 'https://[2002:a9fe:a9fe::1]/hook' })),
    status: 400,
    code: 'invalid_request',
    names: 'link-local',
  },
  'destination: PATCH to port 0': {
    request: () => admin('PATCH', `/v1/admin/destinations/${destination.id}`, { url: 'https://93.184.216.34:0/' }),
    status: 400,
    code: 'invalid_request',
    names: 'url has port 0',
  },
  'destination: credentials in the url': {
    request: () => newDestination(destinationBody({ url: 'https://u:p@93.184.216.34/hook' })),
    status: 400,
    code: 'invalid_request',
    names: 'credentials',
  },
  'destination: timeoutMs as a string': {
    request: () => newDestination(destinationBody({ timeoutMs: '5000' })),
    status: 400,
    code: 'invalid_request',
    names: 'timeoutMs',
  },
  'destination: timeoutMs too short': {
    request: () => newDestination(destinationBody({ timeoutMs: 999 })),
    status: 400,
    code: 'invalid_request',
    names: 'timeoutMs',
  },
  'destination: timeoutMs too long': {
    request: () => newDestination(destinationBody({ timeoutMs: 30_001 })),
    status: 400,
    code: 'invalid_request',
    names: 'timeoutMs',
  },
  'destination: fractional timeoutMs': {
    request: () => newDestination(destinationBody({ timeoutMs: 1500.5 })),
    status: 400,
    code: 'invalid_request',
    names: 'timeoutMs',
  },
  'subscription: no sourceId': {
    request: () => admin('POST', '/v1/admin/subscriptions', subscriptionBody({ sourceId: undefined })),
    status: 400,
    code: 'invalid_request',
    names: 'sourceId',
  },
  'subscription: malformed destinationId': {
    request: () => admin('POST', '/v1/admin/subscriptions', subscriptionBody({ destinationId: 'lab' })),
    status: 400,
    code: 'invalid_request',
    names: 'destinationId',
  },
  'subscription: unknown source': {
    request: () =>
      admin('POST', '/v1/admin/subscriptions', subscriptionBody({ sourceId: 'src_01J00000000000000000000000' })),
    status: 404,
    code: 'source_not_found',
  },
  'subscription: unknown destination': {
    request: () => admin('POST', '/v1/admin/subscriptions', subscriptionBody({ destinationId: UNKNOWN_DESTINATION })),
    status: 404,
    code: 'destination_not_found',
  },
  'subscription: no dataModel': {
    request: () => admin('POST', '/v1/admin/subscriptions', subscriptionBody({ dataModel: undefined })),
    status: 400,
    code: 'invalid_request',
    names: 'dataModel',
  },
  'subscription: the same one again': {
    request: () => admin('POST', '/v1/admin/subscriptions', subscriptionBody({})),
    status: 409,
    code: 'subscription_exists',
    names: 'already has this sourceId, destinationId, dataModel and eventType',
  },
  'subscription: empty eventType': {
    request: () => admin('POST', '/v1/admin/subscriptions', subscriptionBody({ eventType: '' })),
    status: 400,
    code: 'invalid_request',
    names: 'eventType',
  },
  'destination GET: unknown id': {
    request: () => admin('GET', `/v1/admin/destinations/${UNKNOWN_DESTINATION}`),
    status: 404,
    code: 'destination_not_found',
  },
  'transmissions: limit 0': {
    request: () => admin('GET', `/v1/admin/destinations/${destination.id}/transmissions?limit=0`),
    status: 400,
    code: 'invalid_request',
    names: 'limit',
  },
  'transmissions: limit 101': {
    request: () => admin('GET', `/v1/admin/destinations/${destination.id}/transmissions?limit=101`),
    status: 400,
    code: 'invalid_request',
    names: 'limit',
  },
  'transmissions: limit abc': {
    request: () => admin('GET', `/v1/admin/destinations/${destination.id}/transmissions?limit=abc`),
    status: 400,
    code: 'invalid_request',
    names: 'limit',
  },
  'transmissions: a forged cursor': {
    request: () => admin('GET', `/v1/admin/destinations/${destination.id}/transmissions?cursor=Zm9v`),
    status: 400,
    code: 'invalid_request',
    names: 'cursor',
  },
  'transmissions: an unknown parameter': {
    request: () => admin('GET', `/v1/admin/destinations/${destination.id}/transmissions?order=desc`),
    status: 400,
    code: 'invalid_request',
    names: 'order',
  },
  'transmissions: unknown destination': {
    request: () => admin('GET', `/v1/admin/destinations/${UNKNOWN_DESTINATION}/transmissions`),
    status: 404,
    code: 'destination_not_found',
  },
  'admin: unknown route': {
    request: () => admin('GET', '/v1/admin/widgets'),
    status: 404,
    code: 'route_not_found',
  },
};

describe.each([
  ['POST /v1/messages and GET /v1/messages/{id}', ingestCases],
  ['the admin API', adminCases],
])('%s', (_api, cases) => {
  it.each(Object.entries(cases))('refuses %s', async (_name, testCase) => {
    const answer = await testCase.request();
    expect(answer.status).toBe(testCase.status);
    expect(answer.body).toEqual({ error: { code: testCase.code, message: expect.any(String) } });
    if (testCase.names) expect(answer.body.error.message).toContain(testCase.names);
  });
});

/**
 * Every route with an id in its path, and the 404 its resource answers: a malformed, unknown or
 * badly percent-encoded id is that 404, never a 5xx (the contract's "Admin API" preamble).
 */
const ROUTES_WITH_IDS: ReadonlyArray<[method: string, path: string, code: string, admin: boolean]> = [
  ['GET', '/v1/messages/{id}', 'message_not_found', false],
  ['POST', '/v1/admin/organizations/{id}/sources', 'organization_not_found', true],
  ['POST', '/v1/admin/organizations/{id}/destinations', 'organization_not_found', true],
  ['POST', '/v1/admin/sources/{id}/keys', 'source_not_found', true],
  ['GET', '/v1/admin/destinations/{id}', 'destination_not_found', true],
  ['GET', '/v1/admin/destinations/{id}/transmissions', 'destination_not_found', true],
  ['POST', '/v1/admin/destinations/{id}/resume', 'destination_not_found', true],
  ['POST', '/v1/admin/destinations/{id}/skip', 'destination_not_found', true],
  ['POST', '/v1/admin/transmissions/{id}/replay', 'transmission_not_found', true],
  ['GET', '/v1/admin/transmissions/{id}', 'transmission_not_found', true],
  ['GET', '/v1/admin/organizations/{id}', 'organization_not_found', true],
  ['PATCH', '/v1/admin/organizations/{id}', 'organization_not_found', true],
  ['GET', '/v1/admin/organizations/{id}/sources', 'organization_not_found', true],
  ['DELETE', '/v1/admin/sources/{id}', 'source_not_found', true],
  ['PATCH', '/v1/admin/destinations/{id}', 'destination_not_found', true],
  ['DELETE', '/v1/admin/destinations/{id}', 'destination_not_found', true],
  ['DELETE', '/v1/admin/subscriptions/{id}', 'subscription_not_found', true],
];

/** Ids no resource has: percent-encoding junk, control characters, an overlong UTF-8 slash, a wrong prefix. */
const BAD_IDS = ['%00%ff', '%', '%zz', '%ff', '%C0%AF', 'dst_%4', '%ED%A0%80', '%00', '..%2F..%2Fetc', 'nope'];

describe.each(ROUTES_WITH_IDS)('%s %s', (method, path, code, isAdmin) => {
  it.each(BAD_IDS)(`answers ${code} for the id %s`, async (badId) => {
    const headers = { authorization: `Bearer ${isAdmin ? conveyor.local.adminToken : source.apiKey}` };
    // An empty body where the route takes one: the path's resource is resolved first (404), then the body.
    const body = method === 'POST' || method === 'PATCH' ? {} : undefined;
    const answer = await conveyor.request(method, path.replace('{id}', badId), { body, headers });
    expect(answer).toEqual({ status: 404, body: { error: { code, message: expect.any(String) } } });
  });
});

it('enqueued nothing from any refused request', async () => {
  const marker = await post({ ...valid(), data: { marker: true } });
  expect(marker.status).toBe(200);
  await waitFor(() => receiver.received.length > 0, 'the marker');
  await new Promise((resolve) => setTimeout(resolve, 500));
  expect(receiver.received.map((delivery) => JSON.parse(delivery.body).data)).toEqual([{ marker: true }]);
  expect((await admin('GET', `/v1/admin/destinations/${unsubscribed.id}`)).body.queueDepth).toBe(0);
});
