/**
 * Every function, bundled the way the stack bundles it, loads in a fresh Node.js process: a
 * CommonJS dependency calling require() inside the ESM bundle, or a module failing at load, would
 * otherwise surface only as a cold-start crash on AWS.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bundleFunction, loadBundle } from '../../lib/bundling';

jest.setTimeout(60_000);

const outdir = mkdtempSync(join(tmpdir(), 'conveyor-bundle-test-'));
afterAll(() => rmSync(outdir, { recursive: true, force: true }));

it.each(['ingest', 'delivery', 'admin', 'prober'])(
  'bundles %s into ESM that loads and exports its handler',
  async (fn) => {
    const outfile = join(outdir, fn, 'index.mjs');
    await bundleFunction(fn, outfile);
    const output = await loadBundle(outfile, 'typeof module.handler');
    expect(output).toBe('function');
  },
);
