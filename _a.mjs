import { build } from 'esbuild';
import { resolve } from 'node:path';
import { isBuiltin } from 'node:module';
const plugin = { name: 'b', setup(b) { b.onResolve({ filter: /.*/ }, (a) => (a.kind==='import-statement'||a.kind==='dynamic-import') && isBuiltin(a.path) ? { path: a.path, namespace: 'bb' } : undefined); b.onLoad({ filter: /.*/, namespace: 'bb' }, (a) => ({ contents: `module.exports = require(${JSON.stringify(a.path)});`, loader: 'js' })); } };
const fn = process.argv[2];
const { metafile } = await build({ entryPoints: [{ in: resolve('lambdas', fn, 'handler.ts'), out: 'index' }], outdir: '/tmp/ba', outExtension: { '.js': '.mjs' }, chunkNames: 'chunks/[name]-[hash]', bundle: true, splitting: true, platform: 'node', format: 'esm', target: 'node24', minify: true, metafile: true, logLevel: 'silent', mainFields: ['module','main'], plugins: [plugin] });
const outs = metafile.outputs;
const entry = Object.keys(outs).find(k => outs[k].entryPoint?.endsWith('handler.ts'));
const loaded = new Set(); const visit = f => { if (loaded.has(f)) return; loaded.add(f); for (const i of outs[f].imports) if (i.kind==='import-statement' && !i.external) visit(i.path); }; visit(entry);
const groups = {};
for (const f of loaded) for (const [path, info] of Object.entries(outs[f].inputs)) { const m = path.match(/node_modules\/((@[^/]+\/)?[^/]+)/); const key = m ? m[1] : path.split('/').slice(0,3).join('/'); groups[key] = (groups[key] ?? 0) + info.bytesInOutput; }
console.log(fn, Object.entries(groups).sort((a,b)=>b[1]-a[1]).slice(0,30).map(([k,v])=>`${k} ${Math.round(v/1024)}K`).join(', '));
