/**
 * `npm start` as a newcomer runs it: a child process that prints the API URL, admin token and SES
 * inbox, serves the contract, keeps its state across a restart, and on Ctrl-C stops every process
 * it started (no stray DynamoDB Local JVM).
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startReceiver, type Receiver } from '../fixtures/receiver';
import { waitFor } from '../fixtures/conveyor';
import { type LocalProcess, localPorts, startLocalProcess } from '../fixtures/local-process';

jest.setTimeout(180_000);

const dataDir = mkdtempSync(join(tmpdir(), 'conveyor-start-'));
let ports: Record<string, string>;
let receiver: Receiver;
const started: LocalProcess[] = [];

const start = async (...args: string[]) => {
  const local = await startLocalProcess({ ...ports, CONVEYOR_DATA_DIR: dataDir }, ...args);
  started.push(local);
  return local;
};
const stop = (local: LocalProcess) => local.interrupt();

const dynamoDbPid = () => Number(readFileSync(join(dataDir, 'dynamodb', 'dynamodb-local.pid'), 'utf8'));
const isRunning = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

const call = (conveyor: LocalProcess, method: string, path: string, body: unknown, credential: string) =>
  conveyor.call(method, path, body, credential);

beforeAll(async () => {
  receiver = await startReceiver();
  ports = await localPorts();
});

afterAll(async () => {
  for (const local of started) if (local.child.exitCode === null && local.child.signalCode === null) await local.kill();
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

  const organization = await call(
    first,
    'POST',
    '/v1/admin/organizations',
    { name: 'Clinic', alertEmail: 'ops@clinic.example' },
    first.adminToken,
  );
  const source = await call(
    first,
    'POST',
    `/v1/admin/organizations/${organization.body.id}/sources`,
    { name: 'EHR' },
    first.adminToken,
  );
  const destination = await call(
    first,
    'POST',
    `/v1/admin/organizations/${organization.body.id}/destinations`,
    { name: 'Lab', url: receiver.url },
    first.adminToken,
  );
  expect(destination.status).toBe(201);
  await call(
    first,
    'POST',
    '/v1/admin/subscriptions',
    { sourceId: source.body.id, destinationId: destination.body.id, dataModel: 'PatientAdmin' },
    first.adminToken,
  );
  const message = { meta: { dataModel: 'PatientAdmin', eventType: 'Arrival' }, data: { n: 1 } };
  const accepted = await call(first, 'POST', '/v1/messages', message, source.body.apiKey);
  expect(accepted.status).toBe(200);
  await waitFor(() => receiver.received.length === 1, 'the first delivery');
  // Recorded, not only received: Ctrl-C between the receiver's 200 and the arrival's record would
  // rightly repeat the delivery after the restart (same webhook-id and sequence, at least once).
  await waitFor(
    async () =>
      (await call(first, 'GET', `/v1/messages/${accepted.body.messageId}`, undefined, source.body.apiKey)).body
        .status === 'delivered',
    'the first delivery to be recorded',
  );

  const java = dynamoDbPid();
  expect(isRunning(java)).toBe(true);
  expect(await stop(first)).toBe(0);
  expect(isRunning(java)).toBe(false);
  expect(existsSync(join(dataDir, 'dynamodb', 'dynamodb-local.pid'))).toBe(false);

  // Same data directory, no --fresh: the same token, source, destination, queue and mapping.
  const second = await start();
  expect(second.adminToken).toBe(first.adminToken);
  expect((await call(second, 'POST', '/v1/messages', { ...message, data: { n: 2 } }, source.body.apiKey)).status).toBe(
    200,
  );
  await waitFor(() => receiver.received.length === 2, 'the delivery after the restart');
  expect(receiver.received.map((delivery) => delivery.headers['conveyor-sequence'])).toEqual(['1', '2']);
  expect(await stop(second)).toBe(0);

  // --fresh starts empty: the old source's key is gone.
  const third = await start('--fresh');
  expect((await call(third, 'POST', '/v1/messages', message, source.body.apiKey)).status).toBe(401);
  expect(await stop(third)).toBe(0);
});
