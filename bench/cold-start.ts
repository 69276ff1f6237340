/**
 * Cold start: each function bundled the way the stack bundles it (esbuild, minified ESM for Node
 * 24, the SDK included), its size, and how long importing it takes in a fresh Node process —
 * the module initialisation a cold Lambda pays before its first event.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { bundleFunction } from '../lib/bundling';
import { percentile } from './harness';

export const FUNCTIONS = ['ingest', 'delivery', 'admin', 'prober'] as const;

export interface ColdStart {
  readonly fn: (typeof FUNCTIONS)[number];
  readonly bundleBytes: number;
  readonly initMs: number;
}

/** What a function needs in its environment to load (the stack sets the same names). */
export const FUNCTION_ENVIRONMENT = {
  AWS_REGION: 'us-east-1',
  AWS_ACCESS_KEY_ID: 'bench',
  AWS_SECRET_ACCESS_KEY: 'bench',
  TABLE_NAME: 'conveyor',
  PAYLOAD_BUCKET: 'conveyor-payloads',
  QUEUE_NAME_PREFIX: 'conveyor-',
  ALERT_FROM_ADDRESS: 'alerts@example.org',
  DELIVERY_FUNCTION_ARN: 'arn:aws:lambda:us-east-1:123456789012:function:conveyor-delivery',
  POWERTOOLS_LOG_LEVEL: 'SILENT',
};

const importTimeMs = (file: string): number => {
  const script = `const started = performance.now(); await import(${JSON.stringify(pathToFileURL(file).href)}); console.log(performance.now() - started);`;
  const output = execFileSync(process.execPath, ['--input-type=module', '-e', script], {
    env: { PATH: process.env.PATH, ...FUNCTION_ENVIRONMENT },
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return Number(output.trim().split('\n').at(-1));
};

export const measureColdStarts = async (runs = 7): Promise<ColdStart[]> => {
  const outdir = mkdtempSync(join(tmpdir(), 'conveyor-bundles-'));
  try {
    const results: ColdStart[] = [];
    for (const fn of FUNCTIONS) {
      const outfile = join(outdir, fn, 'index.mjs');
      await bundleFunction(fn, outfile);
      importTimeMs(outfile); // the first import also warms the file cache
      const times = Array.from({ length: runs }, () => importTimeMs(outfile));
      results.push({ fn, bundleBytes: statSync(outfile).size, initMs: percentile(times, 50) });
    }
    return results;
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
};
