/**
 * The `conveyor` CLI as an operator runs it: a subprocess (`node bin/conveyor-cli.mjs`, the
 * package's bin) against a local Conveyor over real HTTP, reading the API URL and admin token
 * from the environment (or npm start's token file), printing tables or `--json`, and exiting
 * with codes scripts can test.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { accepted, type Receiver, startReceiver } from '../fixtures/receiver';
import { startTestConveyor, type TestConveyor, waitFor } from '../fixtures/conveyor';
import { reservePort } from '../../local/port-reservation';

jest.setTimeout(120_000);

const CLI = resolve('bin/conveyor-cli.mjs');
const UNKNOWN_DESTINATION = 'dst_01J00000000000000000000000';
/** What the failing receiver answers: a line break and more than a table cell holds. */
const FAILURE_BODY = `upstream database unavailable\n${'x'.repeat(200)}`;
const fail = () => ({ status: 500, body: FAILURE_BODY });

let conveyor: TestConveyor;
let failing: Receiver;
let working: Receiver;

beforeAll(async () => {
  // A handed-back head is visible again after 1 s (default 5 s), so a skip finds it at once; a
  // paused head is retried every second, so a fixed destination is not left waiting for a later
  // rung (a resume that finds the head still hidden by the attempt that paused it leaves it to the
  // prober).
  conveyor = await startTestConveyor({ PAUSE_RELEASE_SECONDS: '1', PROBE_LADDER_SECONDS: '1' });
  [failing, working] = [await startReceiver(), await startReceiver()];
  failing.respond = fail;
});

afterAll(async () => {
  await conveyor?.stop();
  await failing?.close();
  await working?.close();
});

interface CliRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the CLI (asynchronously: the API under test runs in this process). */
const conveyorCli = (args: string[], options: { env?: Record<string, string | undefined> } = {}) =>
  new Promise<CliRun>((resolveRun) => {
    const env: Record<string, string | undefined> = {
      ...process.env,
      CONVEYOR_API_URL: conveyor.local.apiUrl,
      CONVEYOR_ADMIN_TOKEN: 'test-admin-token',
      ...options.env,
    };
    for (const [name, value] of Object.entries(env)) if (value === undefined) delete env[name];
    execFile(process.execPath, [CLI, ...args], { env: env as NodeJS.ProcessEnv }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === 'number' ? error.code : -1;
      resolveRun({ code, stdout, stderr });
    });
  });

/** Runs the CLI with `--json` and expects success: the parsed answer. */
const cliJson = async (args: string[]) => {
  const run = await conveyorCli(['--json', ...args]);
  if (run.code !== 0) throw new Error(`conveyor ${args.join(' ')} exited ${run.code}: ${run.stderr}`);
  return JSON.parse(run.stdout);
};

const destinationStatus = async (id: string) =>
  (await conveyor.admin('GET', `/v1/admin/destinations/${id}`)).body.status as string;

/**
 * An organization whose source sends to a destination at `failing` that has paused on its first
 * message (no retries in place). The first message is the paused head.
 */
const pausedRoute = async (dataModel: string) => {
  const organization = await conveyor.createOrganization('Paused route');
  const source = await conveyor.createSource(organization.id);
  const created = await conveyor.admin('POST', `/v1/admin/organizations/${organization.id}/destinations`, {
    name: 'Lab inbox',
    url: failing.url,
    inlineRetries: 0,
  });
  expect(created.status).toBe(201);
  const destination = created.body as { id: string };
  await conveyor.subscribe(source.id, destination.id, dataModel);
  const sent = await conveyor.send(source.apiKey, { meta: { dataModel, eventType: 'New' }, data: { n: 1 } });
  expect(sent.status).toBe(200);
  await waitFor(async () => (await destinationStatus(destination.id)) === 'paused', 'the pause');
  return {
    organization,
    source,
    destination,
    messageId: sent.body.messageId as string,
    headTransmissionId: sent.body.transmissions[0].id as string,
  };
};

describe('conveyor CLI against a local instance', () => {
  it('prints help with the exit codes, and refuses a bad option with exit 2', async () => {
    const help = await conveyorCli(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('Usage: conveyor');
    expect(help.stdout).toContain('Exit codes:');
    const commandHelp = await conveyorCli(['destinations', 'list', '--help']);
    expect(commandHelp.code).toBe(0);
    expect(commandHelp.stdout).toContain('--status <status>');
    const bad = await conveyorCli(['destinations', 'list', '--status', 'stopped']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('Allowed choices are active, paused, unverified.');
  });

  it('creates an organization and a destination, and shows the destination as fields and as JSON', async () => {
    const organization = await cliJson([
      'organizations',
      'create',
      '--name',
      'St. Elsewhere',
      '--alert-email',
      'ops@example.org',
    ]);
    expect(organization).toEqual({
      id: expect.stringMatching(/^org_/),
      name: 'St. Elsewhere',
      alertEmail: 'ops@example.org',
    });

    const created = await conveyorCli([
      'destinations',
      'create',
      '--organization',
      organization.id,
      '--name',
      'Radiology',
      '--url',
      working.url,
    ]);
    expect(created.code).toBe(0);
    const destinationId = /^id: +(dst_\S+)$/m.exec(created.stdout)?.[1];
    expect(destinationId).toBeDefined();
    expect(created.stdout).toMatch(/^signingSecret: +whsec_/m);
    expect(created.stderr).toContain('The signing secret is shown only now');

    const shown = await conveyorCli(['destinations', 'show', destinationId!]);
    expect(shown).toMatchObject({ code: 0, stderr: '' });
    expect(shown.stdout).toMatch(/^status: +active$/m);
    expect(shown.stdout).toMatch(/^queueDepth: +0$/m);
    expect(shown.stdout).not.toContain('whsec_');
    expect(await cliJson(['destinations', 'show', destinationId!])).toMatchObject({
      id: destinationId,
      organizationId: organization.id,
      name: 'Radiology',
      url: working.url,
      status: 'active',
      queueDepth: 0,
    });
  });

  it('exits 1 with the API’s error code on stderr for an unknown id', async () => {
    const run = await conveyorCli(['destinations', 'show', UNKNOWN_DESTINATION]);
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(/^destination_not_found: .+\n$/);
  });

  it('reads the admin token npm start wrote in its data directory, and exits 1 with unauthorized for a wrong one', async () => {
    // Elsewhere than the checkout's own .conveyor, which a running npm start may be using.
    const dataDir = mkdtempSync(join(tmpdir(), 'conveyor-cli-'));
    const fromDataDir = { CONVEYOR_ADMIN_TOKEN: undefined, CONVEYOR_DATA_DIR: dataDir };
    try {
      writeFileSync(join(dataDir, 'admin-token'), 'test-admin-token');
      const withFile = await conveyorCli(['destinations', 'show', UNKNOWN_DESTINATION], { env: fromDataDir });
      expect(withFile.stderr).toMatch(/^destination_not_found: /); // authenticated: the API looked it up
      writeFileSync(join(dataDir, 'admin-token'), 'not-the-token');
      const wrong = await conveyorCli(['destinations', 'show', UNKNOWN_DESTINATION], { env: fromDataDir });
      expect(wrong.code).toBe(1);
      expect(wrong.stderr).toMatch(/^unauthorized: /);
      expect(wrong.stderr).not.toContain('not-the-token');
      rmSync(join(dataDir, 'admin-token'));
      const none = await conveyorCli(['destinations', 'show', UNKNOWN_DESTINATION], { env: fromDataDir });
      expect(none.code).toBe(3);
      expect(none.stderr).toContain('No admin token');
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('exits 3 when nothing answers at the API URL', async () => {
    const closed = `http://127.0.0.1:${await reservePort()}`;
    const run = await conveyorCli(['destinations', 'show', UNKNOWN_DESTINATION], { env: { CONVEYOR_API_URL: closed } });
    expect(run.code).toBe(3);
    expect(run.stderr).toMatch(new RegExp(`^Could not reach the API at ${closed}: .*ECONNREFUSED`));
  });

  it('skips a paused head with a reason, shows the message as its source sees it, and replays the head', async () => {
    const route = await pausedRoute('SkipTest');
    const skipped = await conveyorCli([
      'destinations',
      'skip',
      route.destination.id,
      '--reason',
      'poison message from the lab, ticket 4711',
    ]);
    expect(skipped.code).toBe(0);
    expect(skipped.stdout).toContain(`Skipped ${route.headTransmissionId}`);
    expect(skipped.stdout).toContain(`conveyor transmissions replay ${route.headTransmissionId}`);
    expect(await destinationStatus(route.destination.id)).toBe('active');

    const message = await conveyorCli(['messages', 'show', route.messageId], {
      env: { CONVEYOR_API_KEY: route.source.apiKey },
    });
    expect(message.code).toBe(0);
    expect(message.stdout).toMatch(/^status: +skipped$/m);
    expect(message.stdout).toMatch(new RegExp(`^${route.headTransmissionId} +${route.destination.id} +skipped `, 'm'));
    expect(`${message.stdout}${message.stderr}`).not.toContain(route.source.apiKey);

    // Not paused any more: a second skip is refused, with the contract's code.
    const again = await conveyorCli(['destinations', 'skip', route.destination.id]);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/^not_paused: /);

    // The receiver is fixed; the replay goes to the tail and is delivered.
    failing.respond = () => 200;
    try {
      const replayed = await cliJson(['transmissions', 'replay', route.headTransmissionId]);
      expect(replayed).toMatchObject({ transmissionId: route.headTransmissionId, status: 'queued' });
      await waitFor(
        () => accepted(failing).some((delivery) => JSON.parse(delivery.body).meta.messageId === route.messageId),
        'the replay to be delivered',
      );
      const delivered = await cliJson(['messages', 'show', route.messageId, '--api-key', route.source.apiKey]);
      expect(delivered).toMatchObject({ messageId: route.messageId, status: 'delivered' });
    } finally {
      failing.respond = fail;
    }
  });

  it('lists organizations', async () => {
    const created = await cliJson(['organizations', 'create', '--name', 'Listed', '--alert-email', 'list@example.org']);
    const listed = await cliJson(['organizations', 'list', '--all']);
    expect(listed.items).toEqual(expect.arrayContaining([expect.objectContaining({ id: created.id, name: 'Listed' })]));
    const table = await conveyorCli(['organizations', 'list', '--all']);
    expect(table.stdout).toMatch(new RegExp(`^${created.id} +Listed +list@example.org$`, 'm'));
  });

  it('lists paused destinations, as a table and as JSON', async () => {
    const route = await pausedRoute('ListTest');
    const listed = await cliJson([
      'destinations',
      'list',
      '--status',
      'paused',
      '--organization',
      route.organization.id,
    ]);
    expect(listed.items).toEqual([
      expect.objectContaining({
        id: route.destination.id,
        organizationId: route.organization.id,
        status: 'paused',
        pausedAt: expect.any(String),
        pauseReason: expect.any(String),
      }),
    ]);
    const table = await conveyorCli([
      'destinations',
      'list',
      '--status',
      'paused',
      '--organization',
      route.organization.id,
    ]);
    expect(table.code).toBe(0);
    expect(table.stdout.split('\n')[0]).toMatch(/^ID +ORGANIZATION +NAME +STATUS +PAUSED AT +PAUSE REASON +URL$/);
    expect(table.stdout).toMatch(
      new RegExp(`^${route.destination.id} +${route.organization.id} +Lab inbox +paused `, 'm'),
    );
    // None of this organization's destinations is active.
    expect(
      (await cliJson(['destinations', 'list', '--status', 'active', '--organization', route.organization.id])).items,
    ).toEqual([]);
  });

  it('shows the paused head’s attempt log, the answer’s excerpt cut in the table and whole in --json', async () => {
    const route = await pausedRoute('AttemptLogTest');
    const shown = await conveyorCli(['transmissions', 'show', route.headTransmissionId]);
    expect(shown.code).toBe(0);
    expect(shown.stdout).toMatch(/^AT +OUTCOME +STATUS +DURATION MS +RESPONSE$/m);
    expect(shown.stdout).toMatch(/^\S+ +http_error +500 +\d+ +upstream database unavailable\\u000axxx+…$/m);
    expect(shown.stdout).not.toContain('x'.repeat(100));
    const json = await cliJson(['transmissions', 'show', route.headTransmissionId]);
    expect(json).toMatchObject({ id: route.headTransmissionId, messageId: route.messageId, status: 'paused' });
    expect(json.attemptLog[0]).toMatchObject({
      outcome: 'http_error',
      status: 500,
      durationMs: expect.any(Number),
      responseExcerpt: FAILURE_BODY,
    });
  });

  it('fixes a receiver-side pause by changing the URL and resuming', async () => {
    const route = await pausedRoute('UpdateTest');
    const updated = await cliJson(['destinations', 'update', route.destination.id, '--url', working.url]);
    expect(updated).toMatchObject({ id: route.destination.id, url: working.url });
    const resumed = await conveyorCli(['destinations', 'resume', route.destination.id]);
    expect(resumed.code).toBe(0);
    await waitFor(
      () => accepted(working).some((delivery) => JSON.parse(delivery.body).meta.messageId === route.messageId),
      'the head delivered to the new URL',
    );
    await waitFor(async () => (await destinationStatus(route.destination.id)) === 'active', 'the destination active');
  });

  it('refuses to delete a destination with entries waiting unless --force', async () => {
    const route = await pausedRoute('DeleteTest');
    const refused = await conveyorCli(['destinations', 'delete', route.destination.id]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/^destination_not_empty: /);
    const forced = await conveyorCli(['destinations', 'delete', route.destination.id, '--force']);
    expect(forced).toMatchObject({ code: 0, stdout: `Deleted ${route.destination.id}.\n` });
    const gone = await conveyorCli(['destinations', 'show', route.destination.id]);
    expect(gone.code).toBe(1);
    expect(gone.stderr).toMatch(/^destination_not_found: /);
  });

  it('finds who skipped what, and why, with conveyor audit', async () => {
    const route = await pausedRoute('AuditTest');
    expect((await conveyorCli(['destinations', 'skip', route.destination.id, '--reason', 'ticket 4712'])).code).toBe(0);
    const audit = await cliJson(['audit', '--since', '1h', '--target', route.destination.id]);
    expect(audit.items).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ actor: 'local-admin', action: expect.stringMatching(/skip/), reason: 'ticket 4712' }),
      ]),
    );
    const table = await conveyorCli(['audit', '--since', '1h', '--target', route.destination.id]);
    expect(table.stdout.split('\n')[0]).toMatch(/^AT +ACTOR +ACTION +TARGET +REASON$/);
    expect(table.stdout).toMatch(/local-admin .*ticket 4712$/m);
  });

  it('redelivers a time range with conveyor redeliver, and refuses one without --since', async () => {
    const organization = await conveyor.createOrganization('Redelivery');
    const source = await conveyor.createSource(organization.id);
    const destination = await conveyor.createDestination(organization.id, working.url);
    await conveyor.subscribe(source.id, destination.id, 'RedeliverTest');
    const sent = await conveyor.send(source.apiKey, {
      meta: { dataModel: 'RedeliverTest', eventType: 'New' },
      data: { n: 1 },
    });
    const transmissionId = sent.body.transmissions[0].id as string;
    await waitFor(
      async () =>
        (await conveyor.admin('GET', `/v1/admin/transmissions/${transmissionId}`)).body.status === 'delivered',
      'the delivery',
    );
    const deliveriesOf = () =>
      accepted(working).filter((delivery) => delivery.headers['webhook-id'] === transmissionId);
    expect(deliveriesOf()).toHaveLength(1);

    const run = await conveyorCli([
      'redeliver',
      '--destination',
      destination.id,
      '--since',
      '1h',
      '--until',
      new Date(Date.now() + 60_000).toISOString(),
      '--reason',
      'ticket 4713',
    ]);

    expect(run).toMatchObject({ code: 0, stderr: '' });
    expect(run.stdout).toContain(`1 transmission enqueued again for ${destination.id}, in their original order.`);
    await waitFor(() => deliveriesOf().length === 2, 'the redelivery');
    expect(deliveriesOf().map((delivery) => delivery.headers['conveyor-sequence'])).toEqual(['1', '2']);
    const missing = await conveyorCli(['redeliver', '--destination', destination.id, '--until', '1h']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("required option '--since <time>' not specified");
  });
});
