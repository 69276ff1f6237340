/**
 * `npm run bench`: every benchmark on the local stand-ins, one line of figures each as it
 * finishes. The handlers read their configuration once per process, so one local Conveyor serves
 * them all; it logs at INFO as deployed, and its log lines are counted rather than printed.
 * BENCH_MESSAGES and BENCH_FAN_OUT_MESSAGES scale the runs.
 */
import { ENV, envReader } from '../lambdas/shared/runtime/env';
import { startTestConveyor } from '../test/fixtures/conveyor';
import { measureColdStarts } from './cold-start';
import { AWS_BATCH_SIZE, type Dollars, measureCost, type Usage } from './cost';
import { measureFanOut } from './fan-out';
import { captureConveyorLogs } from './harness';
import { measureIngestOverhead } from './ingest-overhead';
import { NEIGHBOUR_ISOLATION_ENVIRONMENT, neighbourIsolation } from './neighbour-isolation';
import { measureOrderedRate } from './ordered-rate';
import { PRICES } from './prices';
import { measureUploads } from './upload-ingest';

/** Scale: BENCH_MESSAGES (default 300) messages for the rate, ingest and cost runs. */
const MESSAGES = envReader().integer(ENV.BENCH_MESSAGES, 300);
const FAN_OUT_DESTINATIONS = 50;
const FAN_OUT_MESSAGES = envReader().integer(ENV.BENCH_FAN_OUT_MESSAGES, 20);

const fixed = (value: number, digits = 2) => value.toFixed(digits);
const kib = (bytes: number) => `${Math.round(bytes / 1024)} KiB`;

const main = async () => {
  const coldStarts = await measureColdStarts();
  console.log(
    `cold start (goal ≤ 350 KB read at init, ≤ 100 ms): ${coldStarts.map(({ fn, initBytes, totalBytes, initMs }) => `${fn} ${kib(initBytes)} read (${kib(totalBytes)} in all) ${fixed(initMs, 0)} ms`).join(', ')}`,
  );

  const logs = captureConveyorLogs();
  // The table in memory: on disk, DynamoDB Local's SQLite takes 10–20 ms a write here, which says
  // nothing about DynamoDB (single-digit milliseconds) and would drown Conveyor's own overhead.
  const conveyor = await startTestConveyor(
    { ...NEIGHBOUR_ISOLATION_ENVIRONMENT, [ENV.POWERTOOLS_LOG_LEVEL]: 'INFO' },
    { tableInMemory: true },
  );
  try {
    const rate = await measureOrderedRate(conveyor, MESSAGES);
    console.log(
      `ordered delivery (goal ≥ 0.9): ${fixed(rate.perSecond, 1)} msg/s against a ${fixed(rate.roundTripMs, 1)} ms round trip ` +
        `(limit ${fixed(rate.limitPerSecond, 1)} msg/s), ratio ${fixed(rate.ratio)}`,
    );

    const cost = await measureCost(conveyor, MESSAGES, logs);
    const lines = (dollars: Dollars) =>
      Object.entries(dollars)
        .filter(([line]) => line !== 'total')
        .map(([line, amount]) => `${line} ${fixed(amount)}`)
        .join(', ');
    const usage = (entry: Usage) =>
      Object.entries(entry)
        .filter(([, value]) => typeof value === 'number')
        .map(([name, value]) => `${name} ${fixed(value as number, 3)}`)
        .join(', ');
    console.log(`cost, requests per delivered message as counted: ${JSON.stringify(cost.counted.requests)}`);
    console.log(
      `cost, usage per delivered message: counted (batches of ${fixed(cost.batchSize, 1)}): ${usage(cost.counted)}; at AWS batches of ${AWS_BATCH_SIZE}: ${usage(cost.atAwsBatchSize)}`,
    );
    console.log(
      `cost (goal ≤ $2.50 per million, prices of ${PRICES.checked}): $${fixed(cost.dollarsPerMillion.atAwsBatchSize.total)} per million delivered at AWS batches of ${AWS_BATCH_SIZE} ` +
        `(${lines(cost.dollarsPerMillion.atAwsBatchSize)}); $${fixed(cost.dollarsPerMillion.counted.total)} as counted here`,
    );

    const ingest = await measureIngestOverhead(conveyor, MESSAGES, {});
    console.log(
      `ingest overhead (goal ≤ 1.3 at p50): POST /v1/messages p50 ${fixed(ingest.ingest.p50, 1)} ms, p99 ${fixed(ingest.ingest.p99, 1)} ms; ` +
        `bare SendMessage p50 ${fixed(ingest.sendMessage.p50, 1)} ms, p99 ${fixed(ingest.sendMessage.p99, 1)} ms; ratio p50 ${fixed(ingest.ratio.p50)}, p99 ${fixed(ingest.ratio.p99)}`,
    );

    // Before the fan-out, whose fifty destinations keep polling afterwards and load the machine.
    const isolation = await neighbourIsolation(conveyor);
    console.log(
      `neighbour isolation: ${isolation.messages} messages to a healthy destination took ${fixed(isolation.aloneSeconds, 1)} s alone, ` +
        `${fixed(isolation.withPausedNeighbourSeconds, 1)} s beside a paused neighbour (ratio ${fixed(isolation.ratio)})`,
    );
    const fanOut = await measureFanOut(conveyor, FAN_OUT_DESTINATIONS, FAN_OUT_MESSAGES);
    console.log(
      `fan-out: ${fanOut.destinations} destinations, ${fanOut.deliveries} deliveries at ${fixed(fanOut.perSecond, 1)} msg/s, ` +
        `ratio ${fixed(fanOut.perSecond / (fanOut.destinations * rate.perSecond))} to ${fanOut.destinations} × the single-destination rate`,
    );
  } finally {
    await conveyor.stop();
    logs.restore();
  }
  // Large documents last, on a Conveyor of their own, each ingest in a fresh process (its memory).
  await measureUploads();
  process.exit(0);
};

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
