/**
 * The test-side oracle (test/fixtures/openapi.ts) that every integration test's answers and
 * deliveries go through: it must catch answers outside docs/openapi.yaml, or those tests prove nothing.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { answerViolations, assertAnswerDocumented, deliveryViolations } from '../../fixtures/openapi';

// js-yaml comes with Jest (it has no type declarations of its own); only its `load` is used.
const { load } = createRequire(__filename)('js-yaml') as { load: (text: string) => unknown };

const json = 'application/json';
const organization = {
  id: 'org_01M7XYPJ5JF482FSWZN1WS782X',
  name: 'Clinic',
  alertEmail: 'ops@clinic.example',
  createdAt: '2026-11-26T10:00:00.000Z',
};
const error = (code: string) => JSON.stringify({ error: { code, message: 'No such thing.' } });

describe('an answer', () => {
  it('as documented passes, whatever the ids in its path', () => {
    const answer = { method: 'GET', path: '/v1/admin/organizations/%ZZjunk?x=1', contentType: json };
    expect(answerViolations({ ...answer, status: 200, text: JSON.stringify(organization) })).toEqual([]);
    expect(answerViolations({ ...answer, status: 404, text: error('organization_not_found') })).toEqual([]);
    // One trailing slash is ignored (the document says so); two are another path.
    const listing = JSON.stringify({ items: [organization] });
    const list = { method: 'GET', status: 200, contentType: json, text: listing };
    expect(answerViolations({ ...list, path: '/v1/admin/organizations/' })).toEqual([]);
    expect(answerViolations({ ...list, path: '/v1/admin/organizations//' })).not.toEqual([]);
  });

  it('with an undeclared field fails, naming the field and not its value', () => {
    const text = JSON.stringify({ ...organization, secretThing: 'PHI-VALUE' });
    const answer = {
      method: 'GET',
      path: `/v1/admin/organizations/${organization.id}`,
      status: 200,
      contentType: json,
      text,
    };
    expect(answerViolations(answer)).toEqual(['(body) must NOT have additional properties "secretThing"']);
    expect(() => assertAnswerDocumented(answer)).toThrow(
      /^GET \/v1\/admin\/organizations\/org_\w+ answered 200 outside docs\/openapi.yaml/,
    );
    expect(() => assertAnswerDocumented(answer)).not.toThrow(/PHI-VALUE/);
  });

  it('with an unlisted status, a missing or extra body, or the wrong content type fails', () => {
    const path = `/v1/admin/organizations/${organization.id}`;
    expect(
      answerViolations({ method: 'GET', path, status: 409, contentType: json, text: error('not_paused') }),
    ).toEqual(['status 409 is not listed for this operation']);
    expect(answerViolations({ method: 'GET', path, status: 200, contentType: 'text/plain', text: '{}' })).toEqual([
      'content-type is text/plain, not application/json',
    ]);
    expect(answerViolations({ method: 'GET', path, status: 200, contentType: null, text: '' })).toEqual([
      'status 200 declares a JSON body, but the answer has none',
    ]);
    const deletion = { method: 'DELETE', path: '/v1/admin/subscriptions/sub_x', contentType: json };
    expect(answerViolations({ ...deletion, status: 204, text: '' })).toEqual([]);
    expect(answerViolations({ ...deletion, status: 204, text: '{}' })).toEqual([
      'status 204 declares no body, but the answer has one',
    ]);
  });

  it('to an unknown path or method must be 404 route_not_found (or 401, 413 before routing)', () => {
    const unknown = { method: 'GET', path: '/v1/nothing', contentType: json };
    expect(answerViolations({ ...unknown, status: 404, text: error('route_not_found') })).toEqual([]);
    expect(answerViolations({ ...unknown, status: 404, text: error('message_not_found') })).toEqual([
      'a 404 for an unserved operation has code message_not_found, not route_not_found',
    ]);
    expect(answerViolations({ ...unknown, status: 200, text: '{}' })).toEqual([
      'an operation the document does not serve answered 200, not 401, 404 or 413',
    ]);
    expect(
      answerViolations({ method: 'PUT', path: '/v1/messages', status: 404, contentType: json, text: '{"error":{}}' }),
    ).toEqual(["/error must have required property 'code'", "/error must have required property 'message'"]);
  });
});

describe('docs/openapi.yaml', () => {
  /** Every schema in the document that describes a JSON object, with where it is. */
  const objectSchemas = (node: unknown, where: string): Array<{ where: string; schema: Record<string, unknown> }> => {
    if (Array.isArray(node)) return node.flatMap((item, index) => objectSchemas(item, `${where}/${index}`));
    if (node === null || typeof node !== 'object') return [];
    const schema = node as Record<string, unknown>;
    const own = schema.type === 'object' || (schema.properties !== undefined && schema.type === undefined);
    return [
      ...(own ? [{ where, schema }] : []),
      ...Object.entries(schema)
        // Examples are values, not schemas.
        .filter(([key]) => key !== 'example' && key !== 'examples')
        .flatMap(([key, value]) => objectSchemas(value, `${where}/${key}`)),
    ];
  };
  const document = load(readFileSync('docs/openapi.yaml', 'utf8'));

  it('closes every object schema, so the oracle fails an answer with a field the document does not list', () => {
    const schemas = objectSchemas(document, '#');
    expect(schemas.length).toBeGreaterThan(20);
    const open = schemas.filter(
      ({ schema }) => !('additionalProperties' in schema) && !('unevaluatedProperties' in schema),
    );
    expect(open.map(({ where }) => where)).toEqual([]);
  });
});

describe('a delivery', () => {
  const transmissionId = 'trn_01M7WFEEC7S0D375SKQX0KEJSF_0';
  const body = JSON.stringify({
    meta: {
      messageId: 'msg_01M7WFEEC7S0D375SKQX0KEJSF',
      transmissionId,
      dataModel: 'PatientAdmin',
      eventType: 'Arrival',
      receivedAt: '2026-11-26T10:00:00.000Z',
      sequence: 42,
    },
    data: { any: 'thing' },
  });
  const headers = {
    'content-type': json,
    'user-agent': 'Conveyor/1',
    'webhook-id': transmissionId,
    'webhook-timestamp': '1795687200',
    'webhook-signature': 'v1,K5oZfzN95Z9UVu1EsfQmfVNQhnkZ2pj9o9NDN/H/pI4=',
    'conveyor-sequence': '42',
  };

  it('as documented passes', () => {
    expect(deliveryViolations({ headers, body })).toEqual([]);
  });

  it('with a missing or malformed header, or a body outside the schema, fails', () => {
    const { 'webhook-timestamp': _timestamp, ...withoutTimestamp } = headers;
    expect(deliveryViolations({ headers: withoutTimestamp, body })).toEqual(['header webhook-timestamp is missing']);
    expect(deliveryViolations({ headers: { ...headers, 'webhook-signature': 'v2,abc' }, body })).toEqual([
      'header webhook-signature must match pattern "^v1,[A-Za-z0-9+/]+={0,2}$"',
    ]);
    expect(deliveryViolations({ headers: { ...headers, 'conveyor-sequence': '43' }, body })).toEqual([
      'header conveyor-sequence differs from meta.sequence',
    ]);
    expect(deliveryViolations({ headers, body: JSON.stringify({ data: 1 }) })).toEqual(
      expect.arrayContaining(["(body) must have required property 'meta'"]),
    );
  });
});
