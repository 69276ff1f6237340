/**
 * `npm start` as a newcomer runs it: a child process that prints the API URL, admin token and SES
 * inbox, serves the contract, keeps its state across a restart, and on Ctrl-C stops every process
 * it started (no stray DynamoDB Local JVM).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../local/stand-ins';
import { startReceiver, type Receiver } from '../fixtures/receiver';
import { waitFor } from '../fixtures/conveyor';

jest.setTimeout(180_000);

interface Started {
  readonly child: ChildProcess;
  readonly output: () => string;
  readonly apiUrl: string;
  readonly adminToken: string;
  readonly sesUrl: string;
}

const dataDir = mkdtempSync(join(tmpdir(), 'conveyor-start-'));
let ports: Record<string, string>;
let receiver: Receiver;
const children: ChildProcess[] = [];

const start = async (...args: string[]): Promise<Started> => {
  // What `npm start` runs (tsx bin/local.ts), on the Node that runs the tests (the project's Node).
  const child = spawn(process.execPath, [join('node_modules', 'tsx', 'dist', 'cli.mjs'), 'bin/local.ts', ...args], {
    env: { ...process.env, ...ports, CONVEYOR_DATA_DIR: dataDir, POWERTOOLS_LOG_LEVEL: 'WARN' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  await waitFor(() => output.includes('Ready.') || child.exitCode !== null, 'npm start to be ready', 90_000);
  if (!output.includes('Ready.')) throw new Error(`npm start failed:\n${output}`);
  const line = (label: string) => new RegExp(`^${label}: (\\S+)`, 'm').exec(output)?.[1] ?? '';
  return { child, output: () => output, apiUrl: line('API'), adminToken: line('Admin token'), sesUrl: line('SES inbox') };
};

const stop = async ({ child }: Started) => {
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  child.kill('SIGINT');
  return exited;
};

const dynamoDbPid = () => Number(readFileSync(join(dataDir, 'dynamodb', 'dynamodb-local.pid'), 'utf8'));
const isRunning = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

const call = async (conveyor: Started, method: string, path: string, body: unknown, credential: string) => {
  const response = await fetch(`${conveyor.apiUrl}${path}`, {
    method,
    headers: { authorization: `Bearer ${credential}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as any };
};

beforeAll(async () => {
  receiver = await startReceiver();
  ports = {
    PORT: String(await freePort()),
    CONVEYOR_SQS_PORT: String(await freePort()),
    CONVEYOR_DYNAMODB_PORT: String(await freePort()),
    CONVEYOR_SES_PORT: String(await freePort()),
  };
});

afterAll(async () => {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  await receiver?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

it('serves the contract, survives a restart with its state, and stops every child on SIGINT', async () => {
  const first = await start('--fresh');
  expect(first.apiUrl).toBe(`http://127.0.0.1:${ports.PORT}`);
  expect(first.adminToken).toMatch(/^[A-Za-z0-9_-]{20,}$/);
  expect(first.output()).toContain('generated');
  const inbox = await fetch(`${first.sesUrl}/store`);
  expect(inbox.status).toBe(200);
  expect(await inbox.json()).toMatchObject({ emails: [] });

  const organization = await call(first, 'POST', '/v1/admin/organizations', { name: 'Clinic', alertEmail: 'ops@clinic.example' }, first.adminToken);
  const source = await call(first, 'POST', `/v1/admin/organizations/${organization.body.id}/sources`, { name: 'EHR' }, first.adminToken);
  const destination = await call(first, 'POST', `/v1/admin/organizations/${organization.body.id}/destinations`, { name: 'Lab', url: receiver.url }, first.adminToken);
  expect(destination.status).toBe(201);
  await call(first, 'POST', '/v1/admin/subscriptions', { sourceId: source.body.id, destinationId: destination.body.id, dataModel: 'PatientAdmin' }, first.adminToken);
  const message = { meta: { dataModel: 'PatientAdmin', eventType: 'Arrival' }, data: { n: 1 } };
  expect((await call(first, 'POST', '/v1/messages', message, source.body.apiKey)).status).toBe(200);
  await waitFor(() => receiver.received.length === 1, 'the first delivery');

  const java = dynamoDbPid();
  expect(isRunning(java)).toBe(true);
  expect(await stop(first)).toBe(0);
  expect(isRunning(java)).toBe(false);
  expect(existsSync(join(dataDir, 'dynamodb', 'dynamodb-local.pid'))).toBe(false);

  // Same data directory, no --fresh: the same token, source, destination, queue and mapping.
  const second = await start();
  expect(second.adminToken).toBe(first.adminToken);
  expect((await call(second, 'POST', '/v1/messages', { ...message, data: { n: 2 } }, source.body.apiKey)).status).toBe(200);
  await waitFor(() => receiver.received.length === 2, 'the delivery after the restart');
  expect(receiver.received.map((delivery) => delivery.headers['conveyor-sequence'])).toEqual(['1', '2']);
  expect(await stop(second)).toBe(0);

  // --fresh starts empty: the old source's key is gone.
  const third = await start('--fresh');
  expect((await call(third, 'POST', '/v1/messages', message, source.body.apiKey)).status).toBe(401);
  expect(await stop(third)).toBe(0);
});
