/**
 * Cost per million delivered messages, measured: one destination behind a receiver that answers
 * in 20 ms receives 2 KB messages sent while its mapping's poller is held, so that they drain as a
 * backlogged FIFO group does on AWS, in batches of up to 10. Every AWS request is counted by an
 * SDK middleware (the functions' clients and the mapping stand-in's; S3 on its class), DynamoDB's
 * consumed capacity is added up, the delivery function's time is measured, log lines are counted
 * by kind, and the items left in the table are sized. The prober's share (it runs about once a
 * second locally, once a minute on AWS) is taken out with its per-run profile, measured in an idle
 * window first. `cost-pricing.ts` turns the usage into dollars.
 */
import type { TestConveyor } from '../test/fixtures/conveyor';
import { waitFor } from '../test/fixtures/conveyor';
import type { CapturedLogs, LogVolume } from './cost-logs';
import { type CostAssumptions, type Priced, priceRun } from './cost-pricing';
import { type FanOutWrites, measureFanOutWrites } from './cost-fan-out';
import { type ItemFamily, measureItems } from './cost-storage';
import { percentile, startSlowReceiver } from './harness';
import {
  type CountsSnapshot,
  countRequests,
  countS3Requests,
  isWriteOperation,
  newRequestCounts,
  resetCounts,
  snapshotCounts,
} from './request-counter';

export interface CostOptions {
  /** How long the receiver takes to answer (ms). @default 20 */
  readonly latencyMs?: number;
  /** Bytes of each message's payload (`data.payload.text`). @default 2048 */
  readonly payloadBytes?: number;
  /** How long the prober's idle profile is taken over (ms). @default 5000 */
  readonly idleWindowMs?: number;
  /** The fan-out whose write units are measured after the run; false skips it. @default 50 destinations, 4 messages */
  readonly fanOut?: { readonly destinations: number; readonly messages: number } | false;
}

/** What one measured run used, in total over `messages` delivered messages. */
export interface MeasuredUsage {
  readonly messages: number;
  /** Delivery invocations (one per batch the mapping handed over). */
  readonly deliveryInvocations: number;
  /** Records per delivery invocation, as observed. */
  readonly batchSize: number;
  /** Ingest function busy time (ms): what one integrator sending at a time waited, the local HTTP hop included. */
  readonly ingestMs: number;
  /** The median ingest request (ms): the sum above is a loaded machine's, its outliers included. */
  readonly ingestP50Ms: number;
  /** Delivery function time (ms), the receiver's latency included. */
  readonly deliveryMs: number;
  /** Requests by `Service:Operation`, the prober's share taken out. */
  readonly requests: Record<string, number>;
  /** Empty receives of the destination's queue during the run (fixed cost, not per message). */
  readonly emptyReceives: number;
  readonly writeUnits: number;
  readonly readUnits: number;
  /** Read units by operation (BatchGetItem's are per item, as DynamoDB reports them). */
  readonly readUnitsByOperation: Record<string, number>;
  readonly s3PutBytes: number;
  /** Application log lines by function (the prober's excluded), and EMF lines less the prober's. */
  readonly appLogs: Record<string, LogVolume>;
  readonly emfLogs: LogVolume;
  /** Bytes that left AWS: delivery requests (line, headers, body) and ingest answers. */
  readonly deliveryRequestBytes: number;
  readonly ingestResponseBytes: number;
  /** Bytes of each ingest request (for API Gateway's 512 KB metering). */
  readonly ingestRequestBytes: number;
  /** The items the run left in the table, by family. */
  readonly items: Record<'message' | 'transmission' | 'attempt' | 'arrival', ItemFamily>;
  /** The prober's profile per run (locally about one a second), for the fixed monthly costs. */
  readonly proberPerRun: ProberProfile;
  /** Every metric name the EMF lines carried (each is a custom metric, priced per month). */
  readonly metricNames: readonly string[];
}

/** What one idle prober run does, measured over the idle window. */
export interface ProberProfile {
  readonly runs: number;
  /** Requests per run; SQS ones are those naming the measured destination's queue (its per-destination share). */
  readonly requests: Record<string, number>;
  readonly writeUnits: number;
  readonly readUnits: number;
  readonly logBytes: number;
  readonly emfBytes: number;
}

/**
 * Headers a proxy answer carries besides the body (date, content-type, content-length,
 * apigw-requestid, the status line): an estimate, API Gateway's own are not visible locally.
 */
const ANSWER_HEADER_BYTES = 160;

const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** `a − runs × perRun` for each key, never below 0. */
const lessProber = (measured: Map<string, number>, idle: Map<string, number>, idleRuns: number, runs: number) =>
  Object.fromEntries(
    [...measured.keys()]
      .sort()
      .map((key) => [
        key,
        Math.max(0, (measured.get(key) ?? 0) - (idleRuns > 0 ? ((idle.get(key) ?? 0) / idleRuns) * runs : 0)),
      ]),
  );

const sumOf = (record: Record<string, number>, filter: (key: string) => boolean) =>
  Object.entries(record)
    .filter(([key]) => filter(key))
    .reduce((sum, [, value]) => sum + value, 0);

const requestBytes = (delivery: { headers: Record<string, unknown>; body: string }) =>
  // "POST /path HTTP/1.1\r\n", each header "name: value\r\n", the blank line, the body.
  30 +
  Object.entries(delivery.headers).reduce((sum, [name, value]) => sum + name.length + String(value).length + 4, 0) +
  2 +
  Buffer.byteLength(delivery.body);

/**
 * Measures one run of `messages` 2 KB messages to one destination. `logs` must be capturing
 * (`captureLogsByKind`) and the runtime logging at INFO with metrics on
 * (POWERTOOLS_METRICS_DISABLED=false), as deployed; otherwise the log lines it misses count as 0.
 */
export const measureUsage = async (
  conveyor: TestConveyor,
  messages: number,
  logs: CapturedLogs,
  options: CostOptions = {},
): Promise<MeasuredUsage> => {
  const { latencyMs = 20, payloadBytes = 2048, idleWindowMs = 5000 } = options;
  const { local } = conveyor;
  const receiver = await startSlowReceiver(latencyMs);
  const counts = newRequestCounts();
  const stopCountingS3 = countS3Requests(counts);
  try {
    const organization = await conveyor.createOrganization();
    const source = await conveyor.createSource(organization.id);
    const destination = await conveyor.createDestination(organization.id, receiver.url);
    await conveyor.subscribe(source.id, destination.id, 'Bench');
    // Only this destination's queue: other queues' polls are other destinations' fixed costs.
    counts.include = (service, input) =>
      service !== 'SQS' || input.QueueUrl === undefined || input.QueueUrl.includes(destination.id);
    countRequests(local.clients.sqs, 'SQS', counts);
    countRequests(local.clients.documents, 'DynamoDB', counts);
    countRequests(local.mappings.sqs, 'SQS', counts);

    // Hold the destination's poller (its mapping stays Enabled, so no reconciler sees drift): what
    // is sent meanwhile waits in the queue, and drains as a backlogged FIFO group does on AWS.
    const mapping = local.mappings.controlPlane.snapshot().find(({ queueArn }) => queueArn.includes(destination.id));
    if (!mapping) throw new Error(`No mapping for destination ${destination.id}`);
    await waitFor(() => local.mappings.isEnabled(mapping.mappingId), "the destination's poller");
    // biome-ignore lint/complexity/useLiteralKeys: the pollers are private to the stand-in; a benchmark holds one
    const pollers = local.mappings['pollers'];
    await pollers.stop(mapping.mappingId);

    // The prober's profile per run, with nothing else going on.
    resetCounts(counts);
    logs.reset();
    await delay(idleWindowMs);
    const idle: CountsSnapshot = snapshotCounts(counts);
    const idleLogs = { prober: { ...(logs.app.get('prober') ?? { lines: 0, bytes: 0 }) }, emf: { ...logs.emf } };

    resetCounts(counts);
    logs.reset();
    const before = { ...local.mappings.invocations };
    const payload = { text: 'x'.repeat(Math.max(0, payloadBytes - 40)) }; // about payloadBytes with the envelope
    const messageIds = new Set<string>();
    let ingestMs = 0;
    const ingestTimes: number[] = [];
    let ingestResponseBytes = 0;
    let ingestRequestBytes = 0;
    // One integrator at a time, straight over HTTP (no answer validation on this side): each
    // request's time is then the ingest function's own, plus the local hop, not a wait for a core.
    for (let n = 0; n < messages; n++) {
      const body = JSON.stringify({ meta: { dataModel: 'Bench', eventType: 'Tick' }, data: { n, payload } });
      ingestRequestBytes = Math.max(ingestRequestBytes, Buffer.byteLength(body));
      const started = performance.now();
      const response = await fetch(`${local.apiUrl}/v1/messages`, {
        method: 'POST',
        headers: { authorization: `Bearer ${source.apiKey}`, 'content-type': 'application/json' },
        body,
      });
      const text = await response.text();
      ingestTimes.push(performance.now() - started);
      ingestMs += ingestTimes.at(-1)!;
      if (response.status !== 200) throw new Error(`Ingest answered ${response.status}`);
      messageIds.add((JSON.parse(text) as { messageId: string }).messageId);
      ingestResponseBytes += Buffer.byteLength(text) + ANSWER_HEADER_BYTES;
    }
    await pollers.start(mapping.mappingId, mapping.queueArn);
    await waitFor(() => receiver.received.length >= messages, 'every delivery', 600_000);
    // Deleted after the invocation that delivered it returned: every write of the batch is done.
    await waitFor(() => counts.sqsDeleted >= messages, 'every queue entry deleted', 60_000);
    const measured = snapshotCounts(counts);
    const deliveryInvocations = local.mappings.invocations.count - before.count;
    const deliveryMs = local.mappings.invocations.totalMs - before.totalMs;

    const runs = measured.proberRuns;
    const requests = lessProber(measured.requests, idle.requests, idle.proberRuns, runs);
    const emptyReceives = requests['SQS:ReceiveMessage (empty)'] ?? 0;
    delete requests['SQS:ReceiveMessage (empty)'];
    // The held poller's restart looks its queue up; Lambda's pollers never do.
    delete requests['SQS:GetQueueUrl'];
    const capacity = lessProber(measured.capacityByOperation, idle.capacityByOperation, idle.proberRuns, runs);
    const emfPerRun = idle.proberRuns > 0 ? idleLogs.emf.bytes / idle.proberRuns : 0;
    const emfLinesPerRun = idle.proberRuns > 0 ? idleLogs.emf.lines / idle.proberRuns : 0;
    const appLogs = Object.fromEntries(
      [...logs.app].filter(([fn]) => fn !== 'prober').map(([fn, v]) => [fn, { ...v }]),
    );
    const emfLogs = {
      lines: Math.max(0, logs.emf.lines - emfLinesPerRun * runs),
      bytes: Math.max(0, logs.emf.bytes - emfPerRun * runs),
    };
    const idleCapacity = Object.fromEntries(idle.capacityByOperation);
    const perRun = (value: number) => (idle.proberRuns > 0 ? value / idle.proberRuns : 0);
    return {
      messages,
      deliveryInvocations,
      batchSize: messages / deliveryInvocations,
      ingestMs,
      ingestP50Ms: percentile(ingestTimes, 50),
      deliveryMs,
      requests,
      emptyReceives,
      writeUnits: sumOf(capacity, isWriteOperation),
      readUnits: sumOf(capacity, (key) => !isWriteOperation(key)),
      readUnitsByOperation: Object.fromEntries(Object.entries(capacity).filter(([key]) => !isWriteOperation(key))),
      s3PutBytes: measured.s3PutBytes,
      appLogs,
      emfLogs,
      deliveryRequestBytes: receiver.received.slice(0, messages).reduce((sum, entry) => sum + requestBytes(entry), 0),
      ingestResponseBytes,
      ingestRequestBytes,
      items: await measureItems(local, messageIds, new Set([destination.id])),
      proberPerRun: {
        runs: idle.proberRuns,
        requests: Object.fromEntries([...idle.requests].map(([key, count]) => [key, perRun(count)])),
        writeUnits: perRun(sumOf(idleCapacity, isWriteOperation)),
        readUnits: perRun(sumOf(idleCapacity, (key) => !isWriteOperation(key))),
        logBytes: perRun(idleLogs.prober.bytes),
        emfBytes: emfPerRun,
      },
      metricNames: [...logs.metricNames].sort(),
    };
  } finally {
    stopCountingS3();
    await receiver.close();
  }
};

/** A measured run and its prices. */
export interface Cost {
  readonly usage: MeasuredUsage;
  readonly priced: Priced;
  /** The same run at Lambda's default system log level, INFO (START and REPORT lines; the stack sets WARN). */
  readonly atInfo: Priced;
  /** Write units per delivery of a fan-out, when measured. */
  readonly fanOut?: FanOutWrites;
}

/**
 * Measures a run (`measureUsage`) and prices it (`priceRun`), at the system log level WARN (the
 * stack's) and INFO (Lambda's default); then the write units of a fan-out (`measureFanOutWrites`; its fifty destinations go on
 * polling afterwards, so run this last).
 */
export const measureCost = async (
  conveyor: TestConveyor,
  messages: number,
  logs: CapturedLogs,
  options: CostOptions & CostAssumptions = {},
): Promise<Cost> => {
  const usage = await measureUsage(conveyor, messages, logs, options);
  const { fanOut = { destinations: 50, messages: 4 } } = options;
  return {
    usage,
    priced: priceRun(usage, options),
    atInfo: priceRun(usage, { ...options, systemLogLevel: 'INFO' }),
    ...(fanOut
      ? { fanOut: await measureFanOutWrites(conveyor, fanOut.destinations, fanOut.messages, usage.proberPerRun) }
      : {}),
  };
};
