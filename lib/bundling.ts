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
