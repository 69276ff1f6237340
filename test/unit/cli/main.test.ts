/** The command line as scripts see it: exit codes, stderr lines, and what each command sends. */
import { type Answer, runCli, type SentRequest } from './run-cli';

const DESTINATION = 'dst_01J00000000000000000000000';

describe('conveyor exit codes', () => {
  it('answers --help with the exit codes and 0, on the root and on every command', async () => {
    const root = await runCli(['--help']);
    expect(root.code).toBe(0);
    expect(root.stdout).toContain('Exit codes:');
    expect(root.stdout).toMatch(/^ {2}3 {2}the API could not be reached/m);
    const skip = await runCli(['destinations', 'skip', '--help']);
    expect(skip.code).toBe(0);
    expect(skip.stdout).toContain('--reason <text>');
    expect(skip.sent).toEqual([]);
  });

  it('refuses a bad --status with exit 2, naming the option and the choices, before any request', async () => {
    const run = await runCli(['destinations', 'list', '--status', 'stopped']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("option '--status <status>' argument 'stopped' is invalid");
    expect(run.stderr).toContain('Allowed choices are active, paused, unverified.');
    expect(run.sent).toEqual([]);
  });

  it.each([
    [['destinations', 'list', '--limit', '0'], "option '--limit <n>' argument '0' is invalid"],
    [['destinations', 'list', '--limit', '101'], 'Must be a whole number from 1 to 100.'],
    [
      ['destinations', 'list', '--all', '--cursor', 'abc'],
      "option '--cursor <cursor>' cannot be used with option '--all'",
    ],
    [['destinations', 'update', DESTINATION], 'Nothing to change'],
    [
      ['destinations', 'update', DESTINATION, '--timeout-ms', '1.5'],
      "option '--timeout-ms <ms>' argument '1.5' is invalid",
    ],
    [
      ['destinations', 'create', '--name', 'x', '--url', 'https://example.org'],
      "required option '--organization <id>'",
    ],
    [['destinations', 'skip'], "missing required argument 'id'"],
    [['destinations', 'show', DESTINATION, 'extra'], 'too many arguments'],
    [['destinations', 'frobnicate'], "unknown command 'frobnicate'"],
    [['audit', '--since', 'last week'], "option '--since <time>' argument 'last week' is invalid"],
    [['organizations', 'update', 'org_1'], 'Nothing to change'],
    [['--api', 'ftp://example.org', 'destinations', 'show', DESTINATION], '--api must be an http or https URL.'],
    [['--region', 'Europe', 'destinations', 'show', DESTINATION], '--region must be an AWS region'],
  ])('refuses %j with exit 2 and a clear message', async (args, message) => {
    const run = await runCli(args);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(message);
    expect(run.sent).toEqual([]);
  });

  it('shows the help of a command group called without a command, with exit 2', async () => {
    const run = await runCli(['destinations']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('Usage: conveyor destinations');
  });

  it('prints the API’s "code: message" on stderr and exits 1 when the API answers an error', async () => {
    const run = await runCli(['destinations', 'show', DESTINATION], {
      answer: () => ({
        status: 404,
        body: { error: { code: 'destination_not_found', message: `No destination ${DESTINATION}.` } },
      }),
    });
    expect(run).toMatchObject({
      code: 1,
      stdout: '',
      stderr: `destination_not_found: No destination ${DESTINATION}.\n`,
    });
  });

  it('reports API Gateway’s own refusals (no Conveyor error body) with exit 1', async () => {
    const run = await runCli(['destinations', 'show', DESTINATION], {
      answer: () => ({ status: 403, body: { message: 'Forbidden' } }),
    });
    expect(run).toMatchObject({ code: 1, stderr: 'http_403: Forbidden\n' });
  });

  it('keeps whatever answered to one terminal-safe line on stderr', async () => {
    const run = await runCli(['destinations', 'show', DESTINATION], {
      answer: () => ({ status: 502, body: { message: 'Bad gateway\n\u001b[2Jcleared' } }),
    });
    expect(run).toMatchObject({ code: 1, stderr: 'http_502: Bad gateway\\u000a\\u001b[2Jcleared\n' });
  });

  it('exits 3 when the API cannot be reached', async () => {
    const run = await runCli(['destinations', 'show', DESTINATION], {
      answer: () => new TypeError('fetch failed', { cause: new Error('connect ECONNREFUSED 127.0.0.1:3000') }),
    });
    expect(run.code).toBe(3);
    expect(run.stderr).toBe('Could not reach the API at http://127.0.0.1:3000: connect ECONNREFUSED 127.0.0.1:3000.\n');
  });

  it('exits 3 without sending anything when no admin token is found, and never prints a token', async () => {
    const run = await runCli(['destinations', 'show', DESTINATION], { env: { CONVEYOR_ADMIN_TOKEN: '' } });
    expect(run.code).toBe(3);
    expect(run.stderr).toContain('No admin token: set CONVEYOR_ADMIN_TOKEN');
    expect(run.sent).toEqual([]);
    const failed = await runCli(['destinations', 'show', DESTINATION], {
      answer: () => ({ status: 401, body: { error: { code: 'unauthorized', message: 'Bad token.' } } }),
    });
    expect(`${failed.stdout}${failed.stderr}`).not.toContain('unit-admin-token');
  });
});

describe('conveyor requests', () => {
  const only = (run: { sent: SentRequest[] }) => {
    expect(run.sent).toHaveLength(1);
    return run.sent[0]!;
  };

  it('lists paused destinations with the admin token, the filters as query parameters, as a table', async () => {
    const run = await runCli(
      ['destinations', 'list', '--status', 'paused', '--organization', 'org_1', '--limit', '5'],
      {
        answer: () => ({
          status: 200,
          body: {
            items: [
              {
                id: DESTINATION,
                organizationId: 'org_1',
                name: 'Lab inbox',
                url: 'https://lab.example.org/hook',
                status: 'paused',
                pausedAt: '2026-11-30T11:00:00.000Z',
                pauseReason: 'HTTP 500',
              },
            ],
            cursor: 'next-page',
          },
        }),
      },
    );
    const request = only(run);
    expect(request.method).toBe('GET');
    expect(request.url.href).toBe(
      'http://127.0.0.1:3000/v1/admin/destinations?organizationId=org_1&status=paused&limit=5',
    );
    expect(request.headers.authorization).toBe('Bearer unit-admin-token');
    expect(run.code).toBe(0);
    expect(run.stdout.split('\n')[0]).toMatch(/^ID +ORGANIZATION +NAME +STATUS +PAUSED AT +PAUSE REASON +URL$/);
    expect(run.stdout).toContain(`${DESTINATION}  org_1         Lab inbox  paused  2026-11-30T11:00:00.000Z  HTTP 500`);
    expect(run.stderr).toBe('More items: add --cursor next-page for the next page, or --all for every page.\n');
  });

  it('follows the cursor with --all and prints every item as JSON with --json', async () => {
    const pages: Record<string, Answer> = {
      '': { status: 200, body: { items: [{ id: 'dst_a' }], cursor: 'c1' } },
      c1: { status: 200, body: { items: [{ id: 'dst_b' }], cursor: 'c2' } },
      c2: { status: 200, body: { items: [{ id: 'dst_c' }] } },
    };
    const run = await runCli(['destinations', 'list', '--all', '--json'], {
      answer: (request) => pages[request.url.searchParams.get('cursor') ?? '']!,
    });
    expect(run.sent.map((request) => request.url.searchParams.get('cursor'))).toEqual([null, 'c1', 'c2']);
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual({ items: [{ id: 'dst_a' }, { id: 'dst_b' }, { id: 'dst_c' }] });
    expect(run.stderr).toBe('');
  });

  it('verifies a destination with POST …/verify, and sends verify at creation only when asked', async () => {
    const verified = await runCli(['destinations', 'verify', DESTINATION], {
      answer: () => ({ status: 200, body: { id: DESTINATION, status: 'active' } }),
    });
    expect(only(verified)).toMatchObject({ method: 'POST' });
    expect(only(verified).url.pathname).toBe(`/v1/admin/destinations/${DESTINATION}/verify`);
    expect(verified.code).toBe(0);
    const create = (...flags: string[]) =>
      runCli(
        ['destinations', 'create', '--organization', 'org_1', '--name', 'x', '--url', 'https://example.org', ...flags],
        {
          answer: () => ({ status: 201, body: { id: DESTINATION } }),
        },
      );
    expect(only(await create('--verify')).body).toMatchObject({ verify: true });
    expect(only(await create('--no-verify')).body).toMatchObject({ verify: false });
    expect(only(await create()).body).not.toHaveProperty('verify');
  });

  it('sends skip’s reason as {reason} only when given', async () => {
    const answer = () => ({ status: 200, body: { skippedTransmissionId: 'trn_1' } });
    const withReason = await runCli(['destinations', 'skip', DESTINATION, '--reason', 'bad HL7, ticket 4711'], {
      answer,
    });
    expect(only(withReason)).toMatchObject({
      method: 'POST',
      body: { reason: 'bad HL7, ticket 4711' },
      headers: { 'content-type': 'application/json' },
    });
    expect(only(withReason).url.pathname).toBe(`/v1/admin/destinations/${DESTINATION}/skip`);
    expect(withReason.stdout).toContain('Replay it later with: conveyor transmissions replay trn_1');
    const without = await runCli(['destinations', 'skip', DESTINATION], { answer });
    expect(only(without).body).toBeUndefined();
    expect(only(without).headers['content-type']).toBeUndefined();
  });

  it('PATCHes only the fields given, numbers as numbers', async () => {
    const run = await runCli([
      'destinations',
      'update',
      DESTINATION,
      '--url',
      'https://new.example.org',
      '--timeout-ms',
      '5000',
    ]);
    expect(only(run)).toMatchObject({ method: 'PATCH', body: { url: 'https://new.example.org', timeoutMs: 5000 } });
    expect(Object.keys(only(run).body as object)).toEqual(['url', 'timeoutMs']);
  });

  it('deletes with ?force=true only under --force, printing nothing for the 204 with --json', async () => {
    const forced = await runCli(['destinations', 'delete', DESTINATION, '--force', '--json'], {
      answer: () => ({ status: 204 }),
    });
    expect(only(forced).method).toBe('DELETE');
    expect(only(forced).url.search).toBe('?force=true');
    expect(forced).toMatchObject({ code: 0, stdout: '' });
    const plain = await runCli(['destinations', 'delete', DESTINATION], { answer: () => ({ status: 204 }) });
    expect(only(plain).url.search).toBe('');
    expect(plain.stdout).toBe(`Deleted ${DESTINATION}.\n`);
  });

  it('percent-encodes ids in the path', async () => {
    const run = await runCli(['destinations', 'show', 'dst_%00/../x']);
    expect(only(run).url.pathname).toBe('/v1/admin/destinations/dst_%2500%2F..%2Fx');
  });

  it('shows a transmission’s attempt log as a table, the excerpt cut and made terminal-safe', async () => {
    const excerpt = `{"error":"\u001b[31mdown\u001b[0m"}${'x'.repeat(1000)}`;
    const run = await runCli(['transmissions', 'show', 'trn_1'], {
      answer: () => ({
        status: 200,
        body: {
          id: 'trn_1',
          messageId: 'msg_1',
          destinationId: DESTINATION,
          status: 'paused',
          attempts: 2,
          attemptLog: [
            {
              at: '2026-11-30T11:00:00.000Z',
              outcome: 'http_error',
              status: 500,
              durationMs: 12,
              responseExcerpt: excerpt,
            },
            { at: '2026-11-30T11:00:05.000Z', outcome: 'timeout', durationMs: 10000 },
          ],
        },
      }),
    });
    expect(run.code).toBe(0);
    const lines = run.stdout.split('\n');
    expect(lines).toContain('Attempts (2, newest last; the API keeps the last 50):');
    expect(run.stdout).toMatch(/^AT +OUTCOME +STATUS +DURATION MS +RESPONSE$/m);
    expect(run.stdout).toContain('2026-11-30T11:00:05.000Z  timeout     -       10000        -');
    expect(run.stdout).not.toContain('\u001b');
    expect(run.stdout).toContain('{"error":"\\u001b[31mdown');
    expect(run.stdout).not.toContain('x'.repeat(100));
    expect(run.stdout).not.toContain('attemptLog');
    const json = await runCli(['--json', 'transmissions', 'show', 'trn_1'], {
      answer: () => ({ status: 200, body: { id: 'trn_1', attemptLog: [{ responseExcerpt: excerpt }] } }),
    });
    expect(JSON.parse(json.stdout).attemptLog[0].responseExcerpt).toBe(excerpt);
  });

  it('reads a message with the source’s API key from --api-key or CONVEYOR_API_KEY, not the admin token', async () => {
    const answer = () => ({
      status: 200,
      body: { messageId: 'msg_1', status: 'delivered', transmissions: [{ id: 'trn_1', status: 'delivered' }] },
    });
    const fromOption = await runCli(['messages', 'show', 'msg_1', '--api-key', 'key-from-option'], { answer });
    expect(only(fromOption).url.pathname).toBe('/v1/messages/msg_1');
    expect(only(fromOption).headers.authorization).toBe('Bearer key-from-option');
    expect(fromOption.stdout).toMatch(/^TRANSMISSION +DESTINATION +STATUS/m);
    const fromEnv = await runCli(['messages', 'show', 'msg_1'], { env: { CONVEYOR_API_KEY: 'key-from-env' }, answer });
    expect(only(fromEnv).headers.authorization).toBe('Bearer key-from-env');
    const none = await runCli(['messages', 'show', 'msg_1']);
    expect(none.code).toBe(3);
    expect(none.stderr).toContain('--api-key or set CONVEYOR_API_KEY');
  });

  it('turns --since 7d into the ISO time seven days before now', async () => {
    const run = await runCli(['audit', '--since', '7d', '--target', DESTINATION], {
      now: new Date('2026-11-30T12:00:00.000Z'),
      answer: () => ({ status: 200, body: { items: [] } }),
    });
    expect(Object.fromEntries(only(run).url.searchParams)).toEqual({
      since: '2026-11-23T12:00:00.000Z',
      target: DESTINATION,
    });
    expect(run.stdout).toBe('(none)\n');
  });

  it('signs admin requests with SigV4 on an execute-api URL, and never sends the admin token there', async () => {
    const run = await runCli(
      ['--api', 'https://abc123.execute-api.eu-west-1.amazonaws.com', 'destinations', 'show', DESTINATION],
      { awsCredentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' } },
    );
    const request = only(run);
    expect(request.url.origin).toBe('https://abc123.execute-api.eu-west-1.amazonaws.com');
    expect(request.headers.authorization).toMatch(
      /^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/20261130\/eu-west-1\/execute-api\/aws4_request, /,
    );
    expect(request.headers['x-amz-date']).toBe('20261130T120000Z');
  });
});
