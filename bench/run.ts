/**
 * `npm run bench`: every benchmark on the local stand-ins, one line of figures each as it
 * finishes. The handlers read their configuration once per process, so one local Conveyor serves
 * them all; it logs at INFO as deployed, and its log lines are counted rather than printed.
 * BENCH_MESSAGES and BENCH_FAN_OUT_MESSAGES scale the runs.
 */
import { ENV, envReader } from '../lambdas/shared/runtime/env';
import { startTestConveyor } from '../test/fixtures/conveyor';
import { measureColdStarts } from './cold-start';
import { measureCost } from './cost';
import { measureFanOutWrites } from './cost-fan-out';
import { captureLogsByKind } from './cost-logs';
import { allLogBytes } from './cost-pricing';
import { formatCost, formatFanOutWrites } from './cost-report';
import { measureFanOut } from './fan-out';
import { measureFirstCall } from './first-call';
import { measureIngestOverhead } from './ingest-overhead';
import { NEIGHBOUR_ISOLATION_ENVIRONMENT, neighbourIsolation } from './neighbour-isolation';
import { measureOrderedRate } from './ordered-rate';
import { measureUploads } from './upload-ingest';

/** Scale: BENCH_MESSAGES (default 300) messages for the rate, ingest and cost runs. */
const MESSAGES = envReader().integer(ENV.BENCH_MESSAGES, 300);
const FAN_OUT_DESTINATIONS = 50;
const FAN_OUT_MESSAGES = envReader().integer(ENV.BENCH_FAN_OUT_MESSAGES, 20);

const fixed = (value: number, digits = 2) => value.toFixed(digits);
const kib = (bytes: number) => `${Math.round(bytes / 1024)} KiB`;

/** One goal of issue-defined figures: what was measured, the goal, and whether it is met. */
interface Goal {
  readonly name: string;
  readonly measured: number;
  readonly goal: number;
  /** `max`: the measured figure must not exceed the goal; `min`: it must reach it. */
  readonly kind: 'max' | 'min';
}
const goalLine = (goal: Goal) =>
  `${goal.name} ${fixed(goal.measured)} (${goal.kind === 'min' ? '≥' : '≤'} ${goal.goal}: ${
    (goal.kind === 'min' ? goal.measured >= goal.goal : goal.measured <= goal.goal) ? 'met' : 'missed'
  })`;

const main = async () => {
  const goals: Goal[] = [];
  const coldStarts = await measureColdStarts();
  console.log(
    `cold start (goal ≤ 350 KB read at init, ≤ 100 ms): ${coldStarts.map(({ fn, initBytes, totalBytes, initMs }) => `${fn} ${kib(initBytes)} read (${kib(totalBytes)} in all) ${fixed(initMs, 0)} ms`).join(', ')}`,
  );
  goals.push(
    {
      name: 'largest init read (KB)',
      measured: Math.max(...coldStarts.map((c) => c.initBytes)) / 1000,
      goal: 350,
      kind: 'max',
    },
    {
      name: 'slowest module init (ms)',
      measured: Math.max(...coldStarts.map((c) => c.initMs)),
      goal: 100,
      kind: 'max',
    },
  );

  // Application and EMF lines counted by kind, and kept off the console.
  const logs = captureLogsByKind();
  // The table in memory: on disk, DynamoDB Local's SQLite takes 10–20 ms a write here, which says
  // nothing about DynamoDB (single-digit milliseconds) and would drown Conveyor's own overhead.
  const conveyor = await startTestConveyor(
    // Metrics on, as deployed: their EMF lines are part of the log volume the cost counts.
    {
      ...NEIGHBOUR_ISOLATION_ENVIRONMENT,
      [ENV.POWERTOOLS_LOG_LEVEL]: 'INFO',
      [ENV.POWERTOOLS_METRICS_DISABLED]: 'false',
    },
    { tableInMemory: true },
  );
  try {
    const firstCall = await measureFirstCall(conveyor);
    console.log(
      `first call, ingest as deployed in a fresh process: module init ${fixed(firstCall.loadMs, 0)} ms, first POST /v1/messages ${fixed(firstCall.firstMs, 0)} ms, second ${fixed(firstCall.secondMs, 0)} ms`,
    );

    const rates = [];
    for (const latencyMs of [20, 100]) {
      const rate = await measureOrderedRate(conveyor, MESSAGES, { latencyMs });
      rates.push(rate);
      console.log(
        `ordered delivery, ${latencyMs} ms receiver (goal ≥ 0.9 of 1 / (RTT + one write)): ${fixed(rate.perSecond, 1)} msg/s in batches of ${fixed(rate.batchSize, 1)}; ` +
          `RTT ${fixed(rate.roundTripMs, 1)} ms, storage write ${fixed(rate.storageWriteMs, 1)} ms (limit ${fixed(rate.limitPerSecond, 1)} msg/s); ` +
          `ratio ${fixed(rate.ratio)}, ratio to 1/RTT ${fixed(rate.ratioToRoundTrip)}`,
      );
    }
    goals.push({ name: 'ordered rate / limit, 20 ms', measured: rates[0]!.ratio, goal: 0.9, kind: 'min' });
    goals.push({
      name: 'ordered rate / (1/RTT), 100 ms',
      measured: rates[1]!.ratioToRoundTrip,
      goal: 0.9,
      kind: 'min',
    });

    // The fan-out's write units are measured after the fan-out benchmark (its fifty destinations poll on).
    const cost = await measureCost(conveyor, MESSAGES, logs, { fanOut: false });
    for (const line of formatCost(cost)) console.log(line);
    goals.push(
      { name: 'cost $/million', measured: cost.priced.total, goal: 3, kind: 'max' },
      { name: 'write units per delivery', measured: cost.priced.perMessage.writeUnits, goal: 2, kind: 'max' },
      { name: 'log bytes per delivery', measured: allLogBytes(cost.priced.perMessage), goal: 300, kind: 'max' },
    );

    const ingest = await measureIngestOverhead(conveyor, MESSAGES, {});
    const p = (values: { p50: number; p99: number }) =>
      `p50 ${fixed(values.p50, 1)} ms, p99 ${fixed(values.p99, 1)} ms`;
    console.log(
      `ingest overhead (goal ≤ 1.2 × (SendMessage + PutItem) at p50), no deliveries running: POST /v1/messages ${p(ingest.ingest)}; ` +
        `with an Idempotency-Key ${p(ingest.ingestWithIdempotencyKey)}; bare SendMessage ${p(ingest.sendMessage)}, bare PutItem ${p(ingest.putItem)}; ` +
        `ratio p50 ${fixed(ingest.ratio.p50)} (p99 ${fixed(ingest.ratio.p99)}), with the key ${fixed(ingest.ratioWithIdempotencyKey.p50)} (p99 ${fixed(ingest.ratioWithIdempotencyKey.p99)})`,
    );
    goals.push(
      { name: 'ingest p50 / floor', measured: ingest.ratio.p50, goal: 1.2, kind: 'max' },
      { name: 'ingest p50 with key / floor', measured: ingest.ratioWithIdempotencyKey.p50, goal: 1.2, kind: 'max' },
    );

    // Before the fan-out, whose fifty destinations keep polling afterwards and load the machine.
    const isolation = await neighbourIsolation(conveyor);
    console.log(
      `neighbour isolation: ${isolation.messages} messages to a healthy destination took ${fixed(isolation.aloneSeconds, 1)} s alone, ` +
        `${fixed(isolation.withPausedNeighbourSeconds, 1)} s beside a paused neighbour (ratio ${fixed(isolation.ratio)})`,
    );
    const fanOut = await measureFanOut(conveyor, FAN_OUT_DESTINATIONS, FAN_OUT_MESSAGES);
    console.log(
      `fan-out (goal ≥ 0.9): ${fanOut.destinations} destinations behind ${fanOut.latencyMs} ms receivers, ${fanOut.deliveries} deliveries: ` +
        `${fixed(fanOut.perDestinationPerSecond, 3)} msg/s per destination (median) against ${fixed(fanOut.alonePerSecond, 3)} alone, ratio ${fixed(fanOut.ratio)}; ` +
        `${fixed(fanOut.totalPerSecond, 1)} msg/s in all; ${fixed(fanOut.cpuMsPerDelivery, 2)} ms of CPU per delivery (this process)`,
    );
    goals.push({ name: 'fan-out per-destination ratio', measured: fanOut.ratio, goal: 0.9, kind: 'min' });
    const fanOutWrites = await measureFanOutWrites(conveyor, FAN_OUT_DESTINATIONS, 4, cost.usage.proberPerRun);
    console.log(formatFanOutWrites(fanOutWrites));
    goals.push({
      name: 'write units per delivery, 50-way fan-out',
      measured: fanOutWrites.writeUnitsPerDelivery,
      goal: 3,
      kind: 'max',
    });
  } finally {
    await conveyor.stop();
    logs.restore();
  }
  // Large documents last, on a Conveyor of their own, each ingest in a fresh process (its memory).
  await measureUploads();
  console.log(`goals: ${goals.map(goalLine).join('; ')}`);
  process.exit(0);
};

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
