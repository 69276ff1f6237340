/**
 * A client generated from docs/openapi.yaml works, as an integrator would build one: the types are
 * generated with openapi-typescript's Node API into a temporary directory (nothing generated is
 * committed, so nothing can fall out of step with the document), a small program using them
 * through openapi-fetch is typechecked against them (and a wrong call must fail to typecheck), and
 * the same program then runs against a local Conveyor: it provisions a route through the admin
 * operations, sends a message (`sendMessage`) and reads a destination (`getDestination`).
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import ts from 'typescript';
import { startTestConveyor, type TestConveyor, waitFor } from '../fixtures/conveyor';
import { accepted, type Receiver, startReceiver } from '../fixtures/receiver';

jest.setTimeout(120_000);

const repoRoot = join(__dirname, '..', '..');

/** What an integrator would write: every path, parameter and body below is checked against the generated types. */
const CLIENT_PROGRAM = `import createClient from 'openapi-fetch';
import type { paths } from './conveyor-api';

export const provisionAndSend = async (baseUrl: string, adminToken: string, receiverUrl: string) => {
  const admin = createClient<paths>({ baseUrl, headers: { authorization: \`Bearer \${adminToken}\` } });
  const organization = await admin.POST('/v1/admin/organizations', {
    body: { name: 'Generated client', alertEmail: 'alerts@example.org' },
  });
  if (organization.data === undefined) throw new Error(\`createOrganization: \${organization.response.status}\`);
  const orgId = organization.data.id;
  const source = await admin.POST('/v1/admin/organizations/{orgId}/sources', {
    params: { path: { orgId } },
    body: { name: 'Generated source' },
  });
  if (source.data === undefined) throw new Error(\`createSource: \${source.response.status}\`);
  const destination = await admin.POST('/v1/admin/organizations/{orgId}/destinations', {
    params: { path: { orgId } },
    body: { name: 'Generated destination', url: receiverUrl },
  });
  if (destination.data === undefined) throw new Error(\`createDestination: \${destination.response.status}\`);
  const subscription = await admin.POST('/v1/admin/subscriptions', {
    body: { sourceId: source.data.id, destinationId: destination.data.id, dataModel: 'PatientAdmin' },
  });
  if (subscription.data === undefined) throw new Error(\`createSubscription: \${subscription.response.status}\`);

  const read = await admin.GET('/v1/admin/destinations/{id}', { params: { path: { id: destination.data.id } } });
  const unknown = await admin.GET('/v1/admin/destinations/{id}', {
    params: { path: { id: 'dst_01M7W659P0PJ3VHFG2JZB8M0XT' } },
  });

  const integrator = createClient<paths>({ baseUrl, headers: { authorization: \`Bearer \${source.data.apiKey}\` } });
  const sent = await integrator.POST('/v1/messages', {
    params: { header: { 'Idempotency-Key': 'generated-client-0001' } },
    body: { meta: { dataModel: 'PatientAdmin', eventType: 'Arrival' }, data: { visitNumber: 'V-000123' } },
  });
  return {
    destinationId: destination.data.id,
    readDestination: { status: read.response.status, name: read.data?.name, url: read.data?.url },
    unknownDestination: { status: unknown.response.status, code: unknown.error?.error.code },
    sent: {
      status: sent.response.status,
      messageId: sent.data?.messageId,
      destinationIds: sent.data?.transmissions.map((transmission) => transmission.destinationId),
    },
  };
};
`;

/** Calls the generated types must refuse, one program each: a message without \`meta\`, a path the API does not have. */
const WRONG_PROGRAMS = {
  'wrong-body.ts': "client.POST('/v1/messages', { body: { data: {} } });",
  'wrong-path.ts': "client.GET('/v1/no-such-route', {});",
};
const wrongProgram = (call: string) => `import createClient from 'openapi-fetch';
import type { paths } from './conveyor-api';

const client = createClient<paths>({ baseUrl: 'http://127.0.0.1:3000' });
export const wrong = () => ${call};
`;

/**
 * Runs openapi-typescript's Node API (\`openapiTS\` + \`astToString\`) in a Node process of its own, as an
 * integrator's build step would: its dependencies are ES modules, which Jest's CommonJS runtime cannot load.
 * \`defaultNonNullable: false\` (CLI: \`--default-non-nullable false\`): version 7 otherwise makes every
 * property with a \`default\` required, in request bodies too (openapi-ts/openapi-typescript#1741, #2012),
 * so \`createDestination\` would demand the optional \`timeoutMs\` and \`inlineRetries\`.
 */
const GENERATE = `import openapiTS, { astToString } from 'openapi-typescript';
import { writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
const [document, output] = process.argv.slice(1);
writeFileSync(output, astToString(await openapiTS(pathToFileURL(document), { defaultNonNullable: false })));
`;

/** Typechecks `files` as a strict project of their own; answers the diagnostics, formatted. */
const typecheck = (files: string[]): string[] => {
  const program = ts.createProgram(files, {
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    target: ts.ScriptTarget.ES2023,
    module: ts.ModuleKind.Preserve,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    lib: ['lib.es2023.d.ts', 'lib.dom.d.ts'],
    types: [],
  });
  return ts
    .getPreEmitDiagnostics(program)
    .map((diagnostic) => ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n'));
};

let workDir: string;
let conveyor: TestConveyor;
let receiver: Receiver;

beforeAll(async () => {
  workDir = mkdtempSync(join(tmpdir(), 'conveyor-generated-client-'));
  // The program resolves openapi-fetch (types and code) as it would in an integrator's project.
  symlinkSync(join(repoRoot, 'node_modules'), join(workDir, 'node_modules'), 'dir');
  await promisify(execFile)(
    process.execPath,
    ['--input-type=module', '-e', GENERATE, join(repoRoot, 'docs', 'openapi.yaml'), join(workDir, 'conveyor-api.ts')],
    { cwd: repoRoot },
  );
  writeFileSync(join(workDir, 'client.ts'), CLIENT_PROGRAM);
  for (const [name, call] of Object.entries(WRONG_PROGRAMS)) writeFileSync(join(workDir, name), wrongProgram(call));
  conveyor = await startTestConveyor();
  receiver = await startReceiver();
});

afterAll(async () => {
  await conveyor?.stop();
  await receiver?.close();
  if (workDir !== undefined) rmSync(workDir, { recursive: true, force: true });
});

describe('a client generated from docs/openapi.yaml', () => {
  it('declares every operation of the document by its path', () => {
    const generated = readFileSync(join(workDir, 'conveyor-api.ts'), 'utf8');
    for (const operationId of ['sendMessage', 'getMessage', 'createOrganization', 'getDestination', 'listAuditEntries'])
      expect(generated).toContain(`${operationId}: {`);
  });

  it('typechecks a program using it, and refuses a wrong body and an unknown path', () => {
    expect(typecheck([join(workDir, 'client.ts')])).toEqual([]);
    expect(typecheck([join(workDir, 'wrong-body.ts')]).join('\n')).toContain("Property 'meta' is missing");
    expect(typecheck([join(workDir, 'wrong-path.ts')]).join('\n')).toContain('/v1/no-such-route');
  });

  it('provisions a route through the admin operations, sends a message and reads a destination', async () => {
    const { provisionAndSend } = (await import(join(workDir, 'client.ts'))) as {
      provisionAndSend: (baseUrl: string, adminToken: string, receiverUrl: string) => Promise<any>;
    };
    const outcome = await provisionAndSend(conveyor.local.apiUrl, 'test-admin-token', receiver.url);
    expect(outcome.readDestination).toEqual({ status: 200, name: 'Generated destination', url: receiver.url });
    expect(outcome.unknownDestination).toEqual({ status: 404, code: 'destination_not_found' });
    expect(outcome.sent).toEqual({
      status: 200,
      messageId: expect.stringMatching(/^msg_/),
      destinationIds: [outcome.destinationId],
    });
    // The message the generated client sent is delivered like any other.
    await waitFor(() => accepted(receiver).length === 1, 'the message sent through the generated client is delivered');
  });
});
