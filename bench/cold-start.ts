/**
 * Cold start: each function bundled the way the stack bundles it (`bundleFunction`: esbuild,
 * minified split ESM for Node 24, the SDK included), the bytes its cold start reads (the entry and
 * its static imports; lazily imported chunks are not read) and in all, and how long importing it
 * takes in a fresh Node process: the module initialisation a cold Lambda pays before its first
 * event. The deployed functions load no source maps (no `--enable-source-maps`), nor does this.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bundleFunction, loadBundle } from '../lib/bundling';
import { percentile } from './harness';

export const FUNCTIONS = ['ingest', 'delivery', 'admin', 'prober'] as const;

export interface ColdStart {
  readonly fn: (typeof FUNCTIONS)[number];
  /** Bytes of JavaScript a cold start reads (the entry and its static imports). */
  readonly initBytes: number;
  /** Bytes of JavaScript in the package, lazily loaded chunks included (source maps not). */
  readonly totalBytes: number;
  readonly initMs: number;
}

const importTimeMs = async (file: string): Promise<number> => Number(await loadBundle(file, 'loadMs'));

export const measureColdStarts = async (runs = 7): Promise<ColdStart[]> => {
  const outdir = mkdtempSync(join(tmpdir(), 'conveyor-bundles-'));
  try {
    const results: ColdStart[] = [];
    for (const fn of FUNCTIONS) {
      const outfile = join(outdir, fn, 'index.mjs');
      const { initBytes, totalBytes } = await bundleFunction(fn, join(outdir, fn));
      await importTimeMs(outfile); // the first import also warms the file cache
      const times: number[] = [];
      // One at a time: concurrent processes would measure each other.
      for (let run = 0; run < runs; run++) times.push(await importTimeMs(outfile));
      results.push({ fn, initBytes, totalBytes, initMs: percentile(times, 50) });
    }
    return results;
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
};
