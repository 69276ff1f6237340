import { ENV } from '../lambdas/shared/runtime/env';

/**
 * How every function is bundled (esbuild): minified ESM for Node.js 24 with the AWS SDK inside.
 * The stack and the cold-start benchmark both use these, so the benchmark measures what deploys.
 */
export const FUNCTION_BUNDLING = {
  target: 'node24',
  minify: true,
  mainFields: ['module', 'main'],
  // Some bundled CommonJS dependencies call require(); give them one in the ESM bundle.
  banner:
    "import { createRequire as __conveyorCreateRequire } from 'node:module'; const require = __conveyorCreateRequire(import.meta.url);",
} as const;

/** Bundles `lambdas/<fn>/handler.ts` to `outfile` exactly as the stack does (without the source map). */
export const bundleFunction = async (fn: string, outfile: string): Promise<void> => {
  const [{ build }, { resolve }] = await Promise.all([import('esbuild'), import('node:path')]);
  await build({
    entryPoints: [resolve('lambdas', fn, 'handler.ts')],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: FUNCTION_BUNDLING.target,
    minify: FUNCTION_BUNDLING.minify,
    mainFields: [...FUNCTION_BUNDLING.mainFields],
    banner: { js: FUNCTION_BUNDLING.banner },
    logLevel: 'silent',
  });
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
 * Imports a bundle in a fresh Node.js process (this one's version) and prints what `report` says
 * of it: `report` is an expression over `module` (the bundle's exports) and `loadMs`.
 */
export const loadBundle = async (file: string, report: string): Promise<string> => {
  const [{ execFileSync }, { pathToFileURL }] = await Promise.all([import('node:child_process'), import('node:url')]);
  const script = `const started = performance.now(); const module = await import(${JSON.stringify(pathToFileURL(file).href)}); const loadMs = performance.now() - started; console.log(${report});`;
  const output = execFileSync(process.execPath, ['--input-type=module', '-e', script], {
    env: { PATH: process.env.PATH, ...LOAD_ENVIRONMENT },
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return output.trim().split('\n').at(-1) ?? '';
};
