/**
 * How every function is bundled (esbuild): minified ESM for Node.js 24 with the AWS SDK inside.
 * The stack and the cold-start benchmark both use these, so the benchmark measures what deploys.
 */
export const FUNCTION_BUNDLING = {
  target: 'node24',
  minify: true,
  mainFields: ['module', 'main'],
  // Some bundled CommonJS dependencies call require(); give them one in the ESM bundle.
  banner: "import { createRequire as __conveyorCreateRequire } from 'node:module'; const require = __conveyorCreateRequire(import.meta.url);",
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
