/**
 * Property-based fuzzing of the integrator and admin APIs over real HTTP: random bodies (shaped
 * like messages, any JSON, any text, any bytes), headers, path and query parameters. Every answer
 * is a success or a 4xx whose code is one the OpenAPI document lists, with a message — never a 5xx,
 * never a crash — and a refused request enqueues nothing: the receiver ends up with exactly the
 * messages that were accepted.
 */
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { rawPropertyText } from '../../lambdas/shared/domain/json-body';
import { startReceiver, type Receiver } from '../fixtures/receiver';
import { type HttpAnswer, startTestConveyor, type TestConveyor, waitFor } from '../fixtures/conveyor';

jest.setTimeout(240_000);

/** The error codes docs/openapi.yaml documents. */
const DOCUMENTED_CODES = new Set(
  /code:\s*\n\s*type: string\s*\n\s*#[^\n]*\n\s*enum: \[([^\]]+)\]/
    .exec(readFileSync('docs/openapi.yaml', 'utf8'))![1]!
    .split(',')
    .map((code) => code.trim()),
);

let conveyor: TestConveyor;
let receiver: Receiver;
let organization: { id: string };
let source: { id: string; apiKey: string };
let destination: { id: string };
const tried = { ingest: 0, admin: 0, accepted: 0, fiveHundreds: 0 };

beforeAll(async () => {
  conveyor = await startTestConveyor();
  receiver = await startReceiver();
  ({ organization, source, destination } = await conveyor.createRoute(receiver.url, 'Fuzz'));
});

afterAll(async () => {
  console.log(JSON.stringify({ fuzzed: tried }));
  await conveyor?.stop();
  await receiver?.close();
});

const printable = (maxLength: number) =>
  fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((code) => String.fromCharCode(code)), maxLength });
const anyText = (maxLength: number) => fc.string({ unit: 'binary', maxLength });

/** Something in place of a field: absent, the wrong type, empty, too long, odd characters, or plausible. */
const fieldValue = (plausible: fc.Arbitrary<unknown>) =>
  fc.oneof(
    { weight: 6, arbitrary: plausible },
    { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 2 }) },
    { weight: 1, arbitrary: anyText(300) },
    { weight: 1, arbitrary: fc.constantFrom('', ' ', 'x'.repeat(5000), null, 0, -1, 1e308, true, [], {}) },
  );

/** Percent-encoding junk no id has: NUL, a lone `%`, non-hex, non-UTF-8, overlong UTF-8, a surrogate, dot segments. */
const percentJunk = fc.constantFrom(
  '%00',
  '%00%ff',
  '%',
  '%zz',
  '%ff',
  '%C0%AF',
  '%E0%80%AF',
  '%ED%A0%80',
  '..',
  '%2e%2e',
);

/** A path segment made of `value`: encoded properly, replaced by junk, or with junk around it. */
const pathSegment = (value: fc.Arbitrary<string>) =>
  fc.oneof(
    { weight: 3, arbitrary: value.map(encodeURIComponent) },
    { weight: 1, arbitrary: percentJunk },
    {
      weight: 1,
      arbitrary: fc
        .tuple(percentJunk, value, percentJunk)
        .map(([before, middle, after]) => `${before}${encodeURIComponent(middle)}${after}`),
    },
  );

const expectDocumentedAnswer = (answer: HttpAnswer) => {
  if (answer.status >= 500) tried.fiveHundreds++;
  expect(answer.status).toBeLessThan(500);
  if (answer.status >= 400) {
    expect(DOCUMENTED_CODES).toContain(answer.body?.error?.code);
    expect(typeof answer.body?.error?.message).toBe('string');
  }
};

it('answers random integrator requests with a success or a documented 4xx, and enqueues only what it accepted', async () => {
  const acceptedIds = new Set<string>();
  /** The `data` of each accepted message exactly as sent, to compare with what the receiver got. */
  const sentData = new Map<string, string>();
  const messageShaped = fc
    .record(
      {
        meta: fc.record(
          {
            dataModel: fieldValue(fc.constantFrom('Fuzz', 'Fuzz', 'Fuzz', 'Other')),
            eventType: fieldValue(fc.constantFrom('Tick', 'Admit')),
            destinations: fieldValue(fc.constantFrom([destination.id], ['dst_01J00000000000000000000000'], [])),
          },
          // Absent required fields come from the any-JSON bodies below; here they are mostly present.
          { requiredKeys: ['dataModel', 'eventType'] },
        ),
        data: fc.oneof(
          { weight: 3, arbitrary: fc.jsonValue({ maxDepth: 3, stringUnit: 'grapheme-ascii' }) },
          { weight: 3, arbitrary: fc.jsonValue({ maxDepth: 4, stringUnit: 'grapheme' }) },
          { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 80, stringUnit: 'binary' }) },
        ),
        extra: fc.jsonValue({ maxDepth: 1 }),
      },
      { requiredKeys: ['data'] },
    )
    .map(({ extra, ...message }) =>
      extra !== undefined && typeof extra === 'number' ? { ...message, extra } : message,
    );
  const body = fc.oneof(
    { weight: 4, arbitrary: messageShaped.map((value) => JSON.stringify(value)) },
    { weight: 1, arbitrary: fc.jsonValue().map((value) => JSON.stringify(value)) },
    { weight: 1, arbitrary: anyText(500) },
    { weight: 1, arbitrary: fc.uint8Array({ maxLength: 500 }).map((bytes) => Buffer.from(bytes)) },
  );
  const headers = fc.record(
    {
      authorization: fc.oneof(
        { weight: 4, arbitrary: fc.constant(`Bearer ${source.apiKey}`) },
        { weight: 1, arbitrary: printable(300) },
      ),
      'content-type': fc.oneof(
        { weight: 4, arbitrary: fc.constant('application/json') },
        { weight: 1, arbitrary: printable(100) },
      ),
      'idempotency-key': fc.oneof({ weight: 3, arbitrary: fc.uuid() }, { weight: 1, arbitrary: printable(300) }),
    },
    { requiredKeys: [] },
  );
  await fc.assert(
    fc.asyncProperty(body, headers, async (rawBody, requestHeaders) => {
      tried.ingest++;
      const answer = await conveyor.request('POST', '/v1/messages', {
        rawBody,
        headers: requestHeaders as Record<string, string>,
      });
      expectDocumentedAnswer(answer);
      if (answer.status === 200) {
        acceptedIds.add(answer.body.messageId);
        sentData.set(answer.body.messageId, rawPropertyText(rawBody.toString(), 'data')!);
      }
    }),
    { numRuns: 400 },
  );
  await fc.assert(
    fc.asyncProperty(
      pathSegment(anyText(80)),
      fc.oneof(fc.constant(`Bearer ${source.apiKey}`), printable(200)),
      async (messageId, authorization) => {
        tried.ingest++;
        expectDocumentedAnswer(
          await conveyor.request('GET', `/v1/messages/${messageId}`, { headers: { authorization } }),
        );
      },
    ),
    { numRuns: 50 },
  );
  // Uploads: random announcements, and messages naming uploads that do not exist (all refused).
  const announcement = fc.oneof(
    {
      weight: 3,
      arbitrary: fc
        .record({ contentLength: fieldValue(fc.integer({ min: -10, max: 60_000_000 })) }, { requiredKeys: [] })
        .map((value) => JSON.stringify(value)),
    },
    { weight: 1, arbitrary: fc.jsonValue().map((value) => JSON.stringify(value)) },
    { weight: 1, arbitrary: anyText(200) },
  );
  await fc.assert(
    fc.asyncProperty(announcement, headers, async (rawBody, requestHeaders) => {
      tried.ingest++;
      expectDocumentedAnswer(
        await conveyor.request('POST', '/v1/uploads', { rawBody, headers: requestHeaders as Record<string, string> }),
      );
    }),
    { numRuns: 100 },
  );
  await fc.assert(
    fc.asyncProperty(fieldValue(fc.constantFrom('upl_01M7XC4Q2B9D6HPJ8V3K5T7W1N', 'upl_x')), async (dataUpload) => {
      tried.ingest++;
      const answer = await conveyor.send(source.apiKey, { meta: { dataModel: 'Fuzz', eventType: 'Tick' }, dataUpload });
      expectDocumentedAnswer(answer);
      expect(answer.status).toBeGreaterThanOrEqual(400);
    }),
    { numRuns: 50 },
  );

  tried.accepted = acceptedIds.size;
  expect(acceptedIds.size).toBeGreaterThan(0); // the fuzzer reached the happy path too
  await waitFor(() => receiver.received.length >= acceptedIds.size, 'the accepted messages', 60_000);
  await new Promise((resolve) => setTimeout(resolve, 2000));
  const delivered = new Set(receiver.received.map((delivery) => JSON.parse(delivery.body).meta.messageId as string));
  expect(delivered).toEqual(acceptedIds);
  // Byte for byte, whatever characters the data holds.
  for (const delivery of receiver.received) {
    const messageId = JSON.parse(delivery.body).meta.messageId as string;
    expect(delivery.body.slice(delivery.body.indexOf(',"data":') + ',"data":'.length, -1)).toBe(
      sentData.get(messageId),
    );
  }
});

it('answers random admin requests with a success or a documented 4xx', async () => {
  const id = fc.oneof(
    fc.constantFrom(
      organization.id,
      source.id,
      destination.id,
      'dst_01J00000000000000000000000',
      'trn_01J00000000000000000000000_0',
    ),
    anyText(60),
  );
  const path = (template: (value: string) => string) => pathSegment(id).map(template);
  const request = fc.oneof(
    fc.record({
      method: fc.constant('POST'),
      path: fc.constant('/v1/admin/organizations'),
      body: fc.record(
        { name: fieldValue(fc.constant('Org')), alertEmail: fieldValue(fc.constant('a@b.org')), extra: fc.jsonValue() },
        { requiredKeys: [] },
      ),
    }),
    fc.record({
      method: fc.constant('POST'),
      path: path((value) => `/v1/admin/organizations/${value}/sources`),
      body: fc.record({ name: fieldValue(fc.constant('Source')) }, { requiredKeys: [] }),
    }),
    fc.record({
      method: fc.constant('POST'),
      path: path((value) => `/v1/admin/organizations/${value}/destinations`),
      body: fc.record(
        {
          name: fieldValue(fc.constant('Destination')),
          // Never a host name to look up: a fuzzer must not depend on DNS.
          url: fieldValue(
            fc.constantFrom(
              receiver.url,
              'https://127.0.0.1/x',
              'http://169.254.169.254/',
              'ftp://127.0.0.1/',
              'https://user:pw@127.0.0.1/',
            ),
          ),
          timeoutMs: fieldValue(fc.integer()),
          inlineRetries: fieldValue(fc.integer({ min: -2, max: 8 })),
        },
        { requiredKeys: [] },
      ),
    }),
    fc.record({
      method: fc.constant('POST'),
      path: fc.constant('/v1/admin/subscriptions'),
      body: fc.record(
        {
          sourceId: fieldValue(id),
          destinationId: fieldValue(id),
          dataModel: fieldValue(fc.constant('Other')),
          eventType: fieldValue(fc.constant('Tick')),
        },
        { requiredKeys: [] },
      ),
    }),
    fc.record({
      method: fc.constant('POST'),
      path: path((value) => `/v1/admin/sources/${value}/keys`),
      body: fc.record({ graceSeconds: fieldValue(fc.integer()) }, { requiredKeys: [] }),
    }),
    fc.record({
      method: fc.constant('GET'),
      path: path((value) => `/v1/admin/destinations/${value}`),
      body: fc.constant(undefined),
    }),
    fc.record({
      method: fc.constant('GET'),
      path: fc
        .tuple(pathSegment(id), printable(30), printable(60))
        .map(
          ([value, limit, cursor]) =>
            `/v1/admin/destinations/${value}/transmissions?limit=${encodeURIComponent(limit)}&cursor=${encodeURIComponent(cursor)}`,
        ),
      body: fc.constant(undefined),
    }),
    fc.record({
      method: fc.constant('POST'),
      path: path((value) => `/v1/admin/destinations/${value}/resume`),
      body: fc.constant(undefined),
    }),
    fc.record({
      method: fc.constant('POST'),
      path: path((value) => `/v1/admin/destinations/${value}/skip`),
      body: fc.constant(undefined),
    }),
    fc.record({
      method: fc.constant('POST'),
      path: path((value) => `/v1/admin/transmissions/${value}/replay`),
      body: fc.constant(undefined),
    }),
    fc.record({
      method: fc.constantFrom('PUT', 'DELETE', 'PATCH'),
      path: path((value) => `/v1/admin/${value}`),
      body: fc.jsonValue(),
    }),
  );
  await fc.assert(
    fc.asyncProperty(request, async ({ method, path: requestPath, body }) => {
      tried.admin++;
      expectDocumentedAnswer(await conveyor.admin(method, requestPath, body));
    }),
    { numRuns: 200 },
  );
  // Still standing: a plain request works after all of that.
  expect((await conveyor.admin('GET', `/v1/admin/destinations/${destination.id}`)).status).toBe(200);
});
