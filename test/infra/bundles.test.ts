/**
 * Every function, bundled the way the stack bundles it, loads in a fresh Node.js process: a
 * CommonJS dependency calling require() inside the ESM bundle, or a module failing at load, would
 * otherwise surface only as a cold-start crash on AWS. And what a cold start reads is what it
 * needs: clients used lazily sit in chunks of their own, and built-ins are not ES-imported.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bundleFunction, loadBundle } from '../../lib/bundling';

jest.setTimeout(60_000);

const outdir = mkdtempSync(join(tmpdir(), 'conveyor-bundle-test-'));
afterAll(() => rmSync(outdir, { recursive: true, force: true }));

/** The SDK clients no function needs before its first event (alerts, mappings, large payloads). */
const LAZY_CLIENTS = ['@aws-sdk/client-s3', '@aws-sdk/client-ses', '@aws-sdk/client-lambda'];

it.each(['ingest', 'delivery', 'admin', 'prober'])(
  'bundles %s into split ESM that loads, exports its handler and leaves lazy clients out of its cold start',
  async (fn) => {
    const dir = join(outdir, fn);
    const size = await bundleFunction(fn, dir);
    expect(await loadBundle(join(dir, 'index.mjs'), 'typeof module.handler')).toBe('function');

    const atInit = size.initInputs.filter((input) => LAZY_CLIENTS.some((client) => input.includes(`/${client}/`)));
    expect(atInit).toEqual([]);
    expect(size.initBytes).toBeLessThan(size.totalBytes);
    // Built-ins come through `require` (no ES facade): the only ES import of one is the banner's node:module.
    const code = readdirSync(dir, { recursive: true, encoding: 'utf8' })
      .filter((file) => file.endsWith('.mjs'))
      .map((file) => readFileSync(join(dir, file), 'utf8'));
    const builtinImports = code.flatMap((text) => text.match(/from\s*"(node:)?[a-z_/]+"/g) ?? []);
    expect(builtinImports.filter((statement) => !statement.includes('node:module'))).toEqual([]);
    // ...and through the bundle's require, minified to some name: `x("node:https")`.
    expect(code.some((text) => /[\w$]\("(node:)?https?"\)/.test(text))).toBe(true);
  },
);
