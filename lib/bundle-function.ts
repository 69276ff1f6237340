/**
 * `tsx lib/bundle-function.ts <function> <outdir>`: bundles one function into `outdir`
 * (`bundleFunction`). The stack runs it as a child process because CDK's local bundling is
 * synchronous and esbuild's plugins run only in its asynchronous API.
 */
import { bundleFunction } from './bundling';

const [fn, outdir] = process.argv.slice(2);
if (!fn || !outdir) {
  console.error('usage: tsx lib/bundle-function.ts <function> <outdir>');
  process.exit(2);
}
await bundleFunction(fn, outdir);
