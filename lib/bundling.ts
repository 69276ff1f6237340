import { ENV } from '../lambdas/shared/runtime/env';

/**
 * How every function is bundled (esbuild): minified ESM for Node.js 24 with the AWS SDK inside,
 * split into chunks so what a function imports lazily (the S3, SES and Lambda clients, which only
 * large payloads, alerts and mappings use) is neither read nor parsed at a cold start. The stack,
 * the bundle test and the cold-start benchmark all bundle with `bundleFunction`, so the benchmark
 * measures what deploys.
 */
export const FUNCTION_BUNDLING = {
  target: 'node24',
  /** Lambda's handler setting: the export `handler` of the entry file, `index.mjs`. */
  handler: 'index.handler',
  // Some bundled CommonJS dependencies call require(); give them one in the ESM bundle.
  banner:
    "import { createRequire as __conveyorCreateRequire } from 'node:module'; const require = __conveyorCreateRequire(import.meta.url);",
} as const;

/**
 * An esbuild plugin: Node.js built-ins imported with `import` are loaded with `require` instead.
 * An ES import of a built-in makes Node build an ES-module facade over all of its exports, which
 * runs lazy getters: `node:http`'s facade loads Node's own fetch implementation, about 50 ms of a
 * cold start on the development machine against 8 ms for `require('node:http')` (run
 * `npm run bench`: the cold-start line). The bundle's banner provides `require`.
 */
const builtinsByRequire = {
  name: 'builtins-by-require',
  setup(build: import('esbuild').PluginBuild) {
    build.onResolve({ filter: /.*/ }, async (args) => {
      if (args.kind !== 'import-statement' && args.kind !== 'dynamic-import') return undefined;
      const { isBuiltin } = await import('node:module');
      if (!isBuiltin(args.path)) return undefined;
      return { path: args.path, namespace: 'builtin-by-require' };
    });
    build.onLoad({ filter: /.*/, namespace: 'builtin-by-require' }, (args) => ({
      // A require call of a built-in is external: esbuild leaves it to the banner's `require`.
      contents: `module.exports = require(${JSON.stringify(args.path)});`,
      loader: 'js',
    }));
  },
};

/**
 * Bundles `lambdas/<fn>/handler.ts` into `outdir` as the stack deploys it: `index.mjs` (the entry,
 * exporting `handler`), `chunks/` (code shared or imported lazily) and a source map beside each
 * file. Node.js does not read the maps at run time (`--enable-source-maps` costs a cold start
 * about 100 ms); they travel in the function's package so a stack trace can be symbolicated
 * offline (`npm run symbolicate`, see docs/operations.md).
 * @throws esbuild's error when the function does not build
 */
export const bundleFunction = async (fn: string, outdir: string): Promise<BundleSize> => {
  const [{ build }, { resolve }] = await Promise.all([import('esbuild'), import('node:path')]);
  const { metafile } = await build({
    entryPoints: [{ in: resolve('lambdas', fn, 'handler.ts'), out: 'index' }],
    outdir,
    outExtension: { '.js': '.mjs' },
    chunkNames: 'chunks/[name]-[hash]',
    bundle: true,
    splitting: true,
    platform: 'node',
    format: 'esm',
    target: FUNCTION_BUNDLING.target,
    minify: true,
    sourcemap: 'linked',
    mainFields: ['module', 'main'],
    banner: { js: FUNCTION_BUNDLING.banner },
    plugins: [builtinsByRequire],
    metafile: true,
    logLevel: 'silent',
  });
  return sizeOf(metafile.outputs);
};

/**
 * A bundle's JavaScript, in bytes: all of it, and what a cold start loads (the entry and its
 * static imports), with the source files bundled into the latter (paths relative to the project).
 */
export interface BundleSize {
  readonly totalBytes: number;
  readonly initBytes: number;
  readonly initInputs: readonly string[];
}

const sizeOf = (outputs: import('esbuild').Metafile['outputs']): BundleSize => {
  const code = Object.entries(outputs).filter(([file]) => file.endsWith('.mjs'));
  const entry = code.find(([, output]) => output.entryPoint?.endsWith('handler.ts'));
  if (!entry) throw new Error('The bundle has no entry file');
  // The entry's closure over static imports: what `import()` of the entry reads and evaluates.
  const loaded = new Set<string>();
  const visit = (file: string) => {
    if (loaded.has(file)) return;
    loaded.add(file);
    for (const imported of outputs[file]?.imports ?? []) {
      if (imported.kind === 'import-statement' && !imported.external) visit(imported.path);
    }
  };
  visit(entry[0]);
  return {
    totalBytes: code.reduce((sum, [, output]) => sum + output.bytes, 0),
    initBytes: [...loaded].reduce((sum, file) => sum + (outputs[file]?.bytes ?? 0), 0),
    initInputs: [...loaded].flatMap((file) => Object.keys(outputs[file]?.inputs ?? {})),
  };
};

/** What a bundled function needs in its environment to load (the stack sets the same names). */
const LOAD_ENVIRONMENT = {
  [ENV.AWS_REGION]: 'us-east-1',
  [ENV.AWS_ACCESS_KEY_ID]: 'local',
  [ENV.AWS_SECRET_ACCESS_KEY]: 'local',
  [ENV.TABLE_NAME]: 'conveyor',
  [ENV.PAYLOAD_BUCKET]: 'conveyor-payloads',
  [ENV.QUEUE_NAME_PREFIX]: 'conveyor-',
  [ENV.ALERT_FROM_ADDRESS]: 'alerts@example.org',
  [ENV.DELIVERY_FUNCTION_ARN]: 'arn:aws:lambda:us-east-1:123456789012:function:conveyor-delivery',
  [ENV.POWERTOOLS_LOG_LEVEL]: 'SILENT',
};

/**
 * Imports a bundle in a fresh Node.js process (this one's version) and answers the last line it
 * prints: `report`, an expression over `module` (the bundle's exports) and `loadMs` (ms), which
 * may await. `environment` adds to the function's (e.g. the stand-ins' endpoints).
 */
export const loadBundle = async (
  file: string,
  report: string,
  environment: Readonly<Record<string, string>> = {},
): Promise<string> => {
  const [{ execFile }, { promisify }, { pathToFileURL }] = await Promise.all([
    import('node:child_process'),
    import('node:util'),
    import('node:url'),
  ]);
  const script = `const started = performance.now(); const module = await import(${JSON.stringify(pathToFileURL(file).href)}); const loadMs = performance.now() - started; console.log(${report});`;
  // Not execFileSync: a stand-in served from this process (fauxqs) must go on answering the child.
  const { stdout: output } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script], {
    env: { PATH: process.env.PATH, ...LOAD_ENVIRONMENT, ...environment },
    encoding: 'utf8',
  });
  return output.trim().split('\n').at(-1) ?? '';
};
