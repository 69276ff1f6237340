/**
 * `npm run symbolicate -- <package-dir> < stack.txt`: rewrites the positions in a stack trace from
 * a deployed function (`/var/task/index.mjs:1:52340`, `/var/task/chunks/chunk-….mjs:1:812`) to the
 * TypeScript they came from, with the source maps in the function's package. The functions do not
 * load their maps at run time (it would cost each cold start about 100 ms), so traces in the logs
 * name minified positions; `<package-dir>` is the package unzipped (`aws lambda get-function`
 * gives its address) or its folder in `cdk.out/` after `npm run synth`. Positions without a map
 * are left as they are.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { text } from 'node:stream/consumers';
import { originalPositionFor, TraceMap } from '@jridgewell/trace-mapping';

const [packageDir] = process.argv.slice(2);
if (!packageDir || !existsSync(join(packageDir, 'index.mjs'))) {
  console.error(
    'usage: npm run symbolicate -- <package-dir> < stack.txt   (the folder holding index.mjs and its .map)',
  );
  process.exit(2);
}

const maps = new Map<string, TraceMap | undefined>();
const mapOf = (file: string): TraceMap | undefined => {
  if (!maps.has(file)) {
    const mapFile = join(packageDir, `${file}.map`);
    maps.set(file, existsSync(mapFile) ? new TraceMap(readFileSync(mapFile, 'utf8')) : undefined);
  }
  return maps.get(file);
};

// A position in the package: an optional file:// scheme, /var/task/, the file, line and column.
const POSITION = /(?:file:\/\/)?\/var\/task\/([\w./-]+\.mjs):(\d+):(\d+)/g;

const trace = await text(process.stdin);
process.stdout.write(
  trace.replace(POSITION, (whole, file: string, line: string, column: string) => {
    const map = mapOf(file);
    // Stack traces count columns from 1; source maps from 0.
    const original = map && originalPositionFor(map, { line: Number(line), column: Number(column) - 1 });
    if (!original?.source) return whole;
    const name = original.name ? ` ${original.name}` : '';
    return `${original.source.replace(/^(\.\.\/)+/, '')}:${original.line}:${(original.column ?? 0) + 1}${name}`;
  }),
);
