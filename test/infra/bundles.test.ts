/**
 * Every function, bundled the way the stack bundles it, loads in a fresh Node.js process: a
 * CommonJS dependency calling require() inside the ESM bundle, or a module failing at load, would
 * otherwise surface only as a cold-start crash on AWS.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { bundleFunction } from '../../lib/bundling';

jest.setTimeout(60_000);

const outdir = mkdtempSync(join(tmpdir(), 'conveyor-bundle-test-'));
afterAll(() => rmSync(outdir, { recursive: true, force: true }));

it.each(['ingest', 'delivery', 'admin', 'prober'])('bundles %s into ESM that loads and exports its handler', async (fn) => {
  const outfile = join(outdir, fn, 'index.mjs');
  await bundleFunction(fn, outfile);
  const script = `const module = await import(${JSON.stringify(pathToFileURL(outfile).href)}); console.log(typeof module.handler);`;
  const output = execFileSync(process.execPath, ['--input-type=module', '-e', script], {
    env: {
      PATH: process.env.PATH,
      AWS_REGION: 'us-east-1',
      TABLE_NAME: 'conveyor',
      PAYLOAD_BUCKET: 'conveyor-payloads',
      QUEUE_NAME_PREFIX: 'conveyor-',
      ALERT_FROM_ADDRESS: 'alerts@example.org',
      DELIVERY_FUNCTION_ARN: 'arn:aws:lambda:us-east-1:123456789012:function:conveyor-delivery',
      POWERTOOLS_LOG_LEVEL: 'SILENT',
    },
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  expect(output.trim()).toBe('function');
});
