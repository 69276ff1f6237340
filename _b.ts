import { join } from 'node:path';
import { bundleFunction, loadBundle } from './lib/bundling';
const main = async () => {
for (const fn of ['ingest','delivery','admin','prober']) {
  const dir = `/tmp/bb/${fn}`;
  const size = await bundleFunction(fn, dir);
  const times = [];
  for (let i=0;i<4;i++) times.push(Number(await loadBundle(join(dir,'index.mjs'), 'loadMs')));
  console.log(fn, size, times.map(t=>t.toFixed(0)).join(' '));
}
};
main();
