/** `conveyor destinations create|update` with mTLS files: what is sent, and what is refused before sending. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from './run-cli';

const DESTINATION = 'dst_01J00000000000000000000000';
const dir = mkdtempSync(join(tmpdir(), 'cli-pem-'));
// The CLI sends the files' text as it is; the server checks it (unit-tested in client-certificates.test.ts).
const files = { cert: 'client.crt', key: 'client.key', ca: 'ca.crt' } as const;
for (const [kind, name] of Object.entries(files)) writeFileSync(join(dir, name), `PEM of ${kind}\n`);
const at = (name: string) => join(dir, name);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

it('create sends the certificate, key and CA bundle read from their files', async () => {
  const run = await runCli([
    'destinations',
    'create',
    '--organization',
    'org_1',
    '--name',
    'Lab',
    '--url',
    'https://lab.example.org/hook',
    '--client-certificate',
    at(files.cert),
    '--client-key',
    at(files.key),
    '--ca-bundle',
    at(files.ca),
  ]);
  expect(run.code).toBe(0);
  expect(run.sent[0]!.body).toEqual({
    name: 'Lab',
    url: 'https://lab.example.org/hook',
    clientCertificate: 'PEM of cert\n',
    clientKey: 'PEM of key\n',
    caBundle: 'PEM of ca\n',
  });
});

it('update rotates with an overlap, and removes with null', async () => {
  const rotate = await runCli([
    'destinations',
    'update',
    DESTINATION,
    '--client-certificate',
    at(files.cert),
    '--client-key',
    at(files.key),
    '--client-certificate-overlap-seconds',
    '3600',
  ]);
  expect(rotate.code).toBe(0);
  expect(rotate.sent[0]!.body).toEqual({
    clientCertificate: 'PEM of cert\n',
    clientKey: 'PEM of key\n',
    clientCertificateOverlapSeconds: 3600,
  });
  const remove = await runCli([
    'destinations',
    'update',
    DESTINATION,
    '--remove-client-certificate',
    '--remove-ca-bundle',
  ]);
  expect(remove.code).toBe(0);
  expect(remove.sent[0]!.body).toEqual({ clientCertificate: null, caBundle: null });
});

it.each([
  [['--client-certificate', at('missing.crt')], `Cannot read ${at('missing.crt')} (ENOENT).`],
  [['--remove-client-certificate', '--client-key', at(files.key)], 'cannot be used with option'],
  [['--remove-ca-bundle', '--ca-bundle', at(files.ca)], 'cannot be used with option'],
  [
    ['--client-certificate-overlap-seconds', '-1'],
    "option '--client-certificate-overlap-seconds <s>' argument '-1' is invalid",
  ],
])('update refuses %j with exit 2 before any request', async (args, message) => {
  const run = await runCli(['destinations', 'update', DESTINATION, ...args]);
  expect(run.code).toBe(2);
  expect(run.stderr).toContain(message);
  expect(run.sent).toEqual([]);
});
