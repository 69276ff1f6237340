/**
 * `npx tsx bench/cost-only.ts`: the cost benchmark alone, on a Conveyor of its own started as
 * `npm run bench` starts it (table in memory, INFO logs), with metrics on so that their EMF lines
 * are counted. BENCH_MESSAGES (default 300) scales it; `--json` prints every figure too.
 */
import { ENV, envReader } from '../lambdas/shared/runtime/env';
import { startTestConveyor } from '../test/fixtures/conveyor';
import { measureCost } from './cost';
import { captureLogsByKind } from './cost-logs';
import { formatCost } from './cost-report';
import { NEIGHBOUR_ISOLATION_ENVIRONMENT } from './neighbour-isolation';

const MESSAGES = envReader().integer(ENV.BENCH_MESSAGES, 300);

const main = async () => {
  const logs = captureLogsByKind();
  const conveyor = await startTestConveyor(
    {
      ...NEIGHBOUR_ISOLATION_ENVIRONMENT,
      [ENV.POWERTOOLS_LOG_LEVEL]: 'INFO',
      [ENV.POWERTOOLS_METRICS_DISABLED]: 'false',
    },
    { tableInMemory: true },
  );
  let cost: Awaited<ReturnType<typeof measureCost>>;
  try {
    cost = await measureCost(conveyor, MESSAGES, logs);
  } finally {
    await conveyor.stop();
    logs.restore();
  }
  for (const line of formatCost(cost)) console.log(line);
  // `--json`: every measured figure, for the record in docs/performance.md.
  if (process.argv.includes('--json')) console.log(JSON.stringify(cost, null, 1));
  process.exit(0);
};

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
