#!/usr/bin/env node
// `conveyor`, the operators' CLI (the package's `bin`; source in bin/cli/, entry bin/cli/main.ts).
//
// The TypeScript is bundled by esbuild (a devDependency, as the functions' bundling uses) into
// node_modules/.cache/conveyor-cli/<checkout>/, rebuilt only when one of its source files changed,
// and the bundle is run. Why not register tsx's loader on each run: it cost 1–2 s per command on a
// busy machine, against ~0.5 s for a prepared bundle; a build happens once per change (~0.1 s).
// Packages stay external: they load from node_modules, as in `npm start`.
import { createHash } from 'node:crypto';
import {
  mkdirSync,
  readdirSync,
  readFileSync,
  realpathSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import process from 'node:process';
import { fileURLToPath, pathToFileURL } from 'node:url';

// Bump when the build options or the manifest change, so existing bundles are not reused.
const BUILD_FORMAT = 2;

const checkout = realpathSync(join(dirname(fileURLToPath(import.meta.url)), '..'));
// One cache per checkout: worktrees of one repository may share a node_modules.
const key = createHash('sha256').update(`${BUILD_FORMAT}:${checkout}`).digest('hex').slice(0, 16);
const cache = join(checkout, 'node_modules', '.cache', 'conveyor-cli', key);
const manifestFile = join(cache, 'current.json');

/**
 * The manifest of the last build, when every file it was built from is as it was then: the same
 * modification time (older, as after a checkout of an older commit, counts as changed), and that
 * time before the build started (a file saved during the build may not be in it).
 */
const freshBuild = () => {
  let manifest;
  try {
    manifest = JSON.parse(readFileSync(manifestFile, 'utf8'));
    for (const [input, mtimeMs] of Object.entries(manifest.inputs)) {
      if (statSync(join(checkout, input)).mtimeMs !== mtimeMs || mtimeMs >= manifest.startedAtMs) return undefined;
    }
  } catch {
    return undefined; // no build yet, or a source file was removed
  }
  return manifest;
};

/** Builds into a new directory, then points the manifest at it (a rename: a concurrent run sees one or the other). */
const build = async () => {
  const startedAtMs = Date.now();
  const outdir = join(cache, `build-${startedAtMs}-${process.pid}`);
  const { build: esbuild } = await import('esbuild');
  const result = await esbuild({
    absWorkingDir: checkout,
    entryPoints: ['bin/cli/main.ts'],
    bundle: true,
    splitting: true, // the SigV4 signer, imported only on AWS, is its own chunk
    format: 'esm',
    platform: 'node',
    target: 'node22',
    packages: 'external',
    outdir,
    outExtension: { '.js': '.mjs' },
    metafile: true,
    logLevel: 'error',
  });
  const inputs = Object.fromEntries(
    Object.keys(result.metafile.inputs).map((input) => [input, statSync(join(checkout, input)).mtimeMs]),
  );
  const manifest = { startedAtMs, entry: join(outdir, 'main.mjs'), inputs };
  mkdirSync(cache, { recursive: true });
  const temporary = `${manifestFile}.${process.pid}`;
  writeFileSync(temporary, JSON.stringify(manifest));
  renameSync(temporary, manifestFile);
  // Earlier builds, once no run can still be about to load them (a run loads within a second).
  for (const name of readdirSync(cache)) {
    const builtAt = Number(/^build-(\d+)-/.exec(name)?.[1]);
    if (builtAt < startedAtMs - 60_000) rmSync(join(cache, name), { recursive: true, force: true });
  }
  return manifest;
};

const { entry } = freshBuild() ?? (await build());
const { main, processSurroundings } = await import(pathToFileURL(entry).href);
process.exitCode = await main(process.argv, processSurroundings(checkout));
