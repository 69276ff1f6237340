/**
 * Crash recovery of delivery, at every step: a batch of messages for one destination (alone, or as
 * the second of a fan-out's two, whose transmission keeps its state in an item of its own) is delivered
 * by the real delivery use case (`deliverBatch`, over the ports its handler composes, against the
 * stand-ins in `aws` fidelity, where writes are now and then applied with their answers lost), and
 * the invocation dies at each of its port calls in turn, before the call or after it. SQS then
 * hands the same records to a fresh invocation, until none is left. Whatever the crash point:
 * nothing is reordered, a repeat carries the same `webhook-id` and `conveyor-sequence`, no
 * acknowledged message is lost, and the records (transmission status, arrival log) are right.
 *
 * Only this test invokes delivery: the runtime's mappings are stopped before any destination
 * exists (a stopped local control plane never starts a poller again, whatever the prober's
 * reconciler asks), which the test checks at the end.
 */
import { ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import type { SQSBatchResponse, SQSRecord } from 'aws-lambda';
import { randomUUID } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { deliverBatch } from '../../lambdas/delivery/deliver-batch';
import { isProvisioned } from '../../lambdas/shared/domain/destinations';
import type { PausePorts } from '../../lambdas/shared/pauses/pause-ports';
import type { Log, Meter } from '../../lambdas/shared/ports/observe';
import { ENV } from '../../lambdas/shared/runtime/env';
import { createPausePorts } from '../../lambdas/shared/wiring/pause-ports';
import { localContext } from '../../local/lambda-context';
import { toSqsRecord } from '../../local/mapping-pollers';
import { startTestConveyor, type TestConveyor } from '../fixtures/conveyor';
import { type CrashPoint, describeCrash, injectCrash, type PortCall } from '../fixtures/crash-injector';
import { accepted, type Received, type Receiver, startReceiver } from '../fixtures/receiver';

jest.setTimeout(180_000);

/** Messages per batch: one FIFO receive of up to 10 takes them all. */
const MESSAGES = 5;
/** Scenarios under way at once, each with its own destination and receiver. */
const CONCURRENT_SCENARIOS = 4;
/** Invocations SQS would make after the crashed one before the test calls it stuck. */
const RECOVERY_ROUNDS = 5;
/** The delivery function's timeout (as local/conveyor-local.ts gives it): the invocation's deadline. */
const DELIVERY_TIMEOUT_MS = 120_000;
/** Long enough that no record this test holds becomes visible again during a run. */
const RECEIVE_VISIBILITY_SECONDS = 900;
const DATA_MODEL = 'CrashTest';

let conveyor: TestConveyor;

beforeAll(async () => {
  const seed = process.env[ENV.CONVEYOR_LOCAL_SEED];
  conveyor = await startTestConveyor(
    { [ENV.CONVEYOR_LOCAL_FIDELITY]: 'aws', ...(seed === undefined ? {} : { [ENV.CONVEYOR_LOCAL_SEED]: seed }) },
    { tableInMemory: true },
  );
  // Before any destination exists, so no poller ever starts: this test alone invokes delivery.
  await conveyor.local.mappings.stopAll();
});

afterAll(async () => {
  await conveyor?.stop();
});

/** Warnings and errors the use case logged (their messages only: they name ids, never payloads). */
const recordingLog = (lines: string[]): Log => {
  const at = (level: string) => (message: unknown) => {
    if (level !== 'debug' && level !== 'info') lines.push(`${level}: ${String(message)}`);
  };
  return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') } as unknown as Log;
};

const noMeter: Meter = { count: () => undefined, milliseconds: () => undefined, seconds: () => undefined };

/** The delivery function's ports, composed as its handler composes them (local/conveyor-local.ts). */
const deliveryPorts = (lines: string[]): PausePorts =>
  createPausePorts(conveyor.local.clients, conveyor.local.config, { log: recordingLog(lines), meter: noMeter });

interface Sent {
  readonly n: number;
  readonly messageId: string;
  readonly transmissionId: string;
}

/**
 * Sends message `n` to `destinations` (in this order: the last is the one under test), again with
 * the same Idempotency-Key when it was not acknowledged (a 503).
 */
const sendAcknowledged = async (apiKey: string, n: number, destinations: readonly string[]): Promise<Sent> => {
  const key = randomUUID();
  for (let attempt = 1; ; attempt++) {
    const answer = await conveyor.send(
      apiKey,
      { meta: { dataModel: DATA_MODEL, eventType: 'Test', destinations }, data: { n } },
      { 'idempotency-key': key },
    );
    if (answer.status === 200)
      return { n, messageId: answer.body.messageId, transmissionId: answer.body.transmissions.at(-1).id };
    if (answer.status !== 503 || attempt === 3) throw new Error(`Message ${n} answered ${answer.status}`);
  }
};

/** Every entry of the destination's queue (one FIFO group, sent before), as an event-source mapping hands them over. */
const receiveRecords = async (queueUrl: string, queueArn: string, count: number): Promise<SQSRecord[]> => {
  const records: SQSRecord[] = [];
  for (let receive = 1; records.length < count; receive++) {
    if (receive > 5) throw new Error(`Received ${records.length} of ${count} queue entries`);
    const { Messages = [] } = await conveyor.local.clients.sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: 10,
        VisibilityTimeout: RECEIVE_VISIBILITY_SECONDS,
        WaitTimeSeconds: 1,
        MessageSystemAttributeNames: ['All'],
        MessageAttributeNames: ['All'],
      }),
    );
    records.push(...Messages.map((message) => toSqsRecord(message, queueArn)));
  }
  return records;
};

interface Delivery {
  readonly webhookId: string;
  readonly sequence: number;
  readonly n: number;
}

/** A delivery as the receiver got it; throws when its signature does not verify. */
const deliveryOf = (received: Received, webhook: Webhook): Delivery => {
  const verified = webhook.verify(received.body, received.headers as Record<string, string>) as {
    meta: { sequence: number };
    data: { n: number };
  };
  const sequence = Number(received.headers['conveyor-sequence']);
  if (verified.meta.sequence !== sequence)
    throw new Error(`body sequence ${verified.meta.sequence} differs from conveyor-sequence ${sequence}`);
  return { webhookId: String(received.headers['webhook-id']), sequence, n: verified.data.n };
};

const list = (values: readonly unknown[]) => `[${values.join(', ')}]`;
const numbered = (calls: readonly PortCall[]) => calls.map((call) => `${call.call} ${call.name}`).join(', ');

/** What the receiver got and what Conveyor recorded, against the promises; each problem in a sentence. */
const checkOutcome = async (
  sent: readonly Sent[],
  receiver: Receiver,
  route: Awaited<ReturnType<TestConveyor['createRoute']>>,
  shape: Shape,
): Promise<string[]> => {
  const problems: string[] = [];
  const webhook = new Webhook(route.destination.signingSecret);
  let all: Delivery[];
  let answered: Delivery[];
  try {
    all = receiver.received.map((received) => deliveryOf(received, webhook));
    answered = accepted(receiver).map((received) => deliveryOf(received, webhook));
  } catch (error) {
    return [`a delivery is not as signed: ${(error as Error).message}`];
  }
  // 1. First deliveries (by webhook-id) of what was answered 200: the messages, in the order sent.
  const firsts = new Map<string, Delivery>();
  for (const delivery of answered) if (!firsts.has(delivery.webhookId)) firsts.set(delivery.webhookId, delivery);
  const firstNs = [...firsts.values()].map((delivery) => delivery.n);
  if (list(firstNs) !== list(sent.map((message) => message.n)))
    problems.push(`first deliveries carried data.n ${list(firstNs)}, sent ${list(sent.map((message) => message.n))}`);
  if (list([...firsts.keys()]) !== list(sent.map((message) => message.transmissionId)))
    problems.push(`first deliveries' webhook-ids are not the sent transmissions in order: ${list([...firsts.keys()])}`);
  // 2. A repeat carries its first delivery's number; the numbers are 1..N; nothing goes back.
  const firstSequence = new Map<string, number>();
  for (const delivery of all) {
    const first = firstSequence.get(delivery.webhookId);
    if (first === undefined) firstSequence.set(delivery.webhookId, delivery.sequence);
    else if (first !== delivery.sequence)
      problems.push(`webhook-id ${delivery.webhookId} came with sequence ${first}, then ${delivery.sequence}`);
  }
  const expectedSequences = sent.map((_, index) => index + 1);
  if (list([...firstSequence.values()]) !== list(expectedSequences))
    problems.push(`distinct webhook-ids carried sequences ${list([...firstSequence.values()])}`);
  const stream = all.map((delivery) => delivery.sequence);
  if (
    stream.some((sequence, index) => sequence !== (stream[index - 1] ?? 0) && sequence !== (stream[index - 1] ?? 0) + 1)
  )
    problems.push(`deliveries went back or skipped: sequences ${list(stream)} in arrival order`);

  // 3. Each transmission delivered with the number its receiver saw; the arrival log exactly the N, in order.
  for (const [index, message] of sent.entries()) {
    const view = await conveyor.request('GET', `/v1/messages/${message.messageId}`, {
      headers: { authorization: `Bearer ${route.source.apiKey}` },
    });
    const transmission = view.body?.transmissions?.find(({ id }: { id: string }) => id === message.transmissionId);
    const seen = firstSequence.get(message.transmissionId);
    if (
      view.status !== 200 ||
      // A fan-out's other transmission is never delivered here: the message is not.
      (shape === 'one' && view.body.status !== 'delivered') ||
      transmission?.status !== 'delivered' ||
      transmission.sequence !== index + 1 ||
      transmission.sequence !== seen
    )
      problems.push(
        `message ${message.n} reads ${view.status} ${view.body?.status}, transmission ${transmission?.status} ` +
          `sequence ${transmission?.sequence} (expected delivered, sequence ${index + 1}, receiver saw ${seen})`,
      );
  }
  const arrivals = await conveyor.admin(
    'GET',
    `/v1/admin/destinations/${route.destination.id}/transmissions?limit=100`,
  );
  const items: Array<{ id: string; sequence: number; status: string; arrivedAt?: string }> = arrivals.body?.items ?? [];
  const expectedLog = sent.map((message, index) => `${index + 1}:${message.transmissionId}:delivered`);
  const log = items.map((item) => `${item.sequence}:${item.id}:${item.status}`);
  if (arrivals.status !== 200 || list(log) !== list(expectedLog) || items.some((item) => !item.arrivedAt))
    problems.push(`arrival log ${arrivals.status} ${list(log)}, expected ${list(expectedLog)}`);
  return problems;
};

/**
 * `one`: each message goes to the destination under test alone (its transmission 0, kept in the
 * message's item). `fan-out`: to another destination first, so the one under test is transmission
 * 1, whose state has an item of its own (`transmission-state.ts`).
 */
type Shape = 'one' | 'fan-out';

interface ScenarioResult {
  /** The port calls of the first (crashed, or clean) invocation. */
  readonly calls: readonly PortCall[];
  /** The broken promises, one sentence each, in one entry that names the crash point (none: all kept). */
  readonly problems: string[];
  /** Deliveries the receiver got beyond the first of each `webhook-id` (at least once, not exactly once). */
  readonly repeats: number;
}

/**
 * Which record the batch holds twice, the copy right after it: SQS may hand a duplicate over (and
 * a replay is a second entry of its message), and the copy must be dropped as delivered, never
 * numbered again, whatever the crash point.
 */
const DUPLICATED_RECORD = 1;

/** `records` with the one at `index` twice in a row (the copy with an SQS message id of its own). */
const withDuplicate = (records: readonly SQSRecord[], index: number): SQSRecord[] => [
  ...records.slice(0, index + 1),
  { ...records[index]!, messageId: `${records[index]!.messageId}-again` },
  ...records.slice(index + 1),
];

/**
 * One scenario on a destination of its own: send the messages, receive them as one batch, deliver
 * it with the process dying at `crashAt` (none: a clean run), then as SQS would, invoke again with
 * the records still in the queue (the dead invocation answered nothing, so none were deleted; after
 * an answered one, those it did not report as failures are deleted) until none is left.
 */
const runScenario = async (crashAt: CrashPoint | undefined, shape: Shape = 'one'): Promise<ScenarioResult> => {
  const receiver = await startReceiver();
  const lines: string[] = [];
  const problems: string[] = [];
  let calls: readonly PortCall[] = [];
  const rounds: string[] = [];
  try {
    const route = await conveyor.createRoute(receiver.url, DATA_MODEL);
    const destinations = [route.destination.id];
    if (shape === 'fan-out') {
      // Transmission 0 goes to a destination nobody delivers: the one under test is transmission 1.
      const other = await conveyor.createDestination(route.organization.id, receiver.url);
      await conveyor.subscribe(route.source.id, other.id, DATA_MODEL);
      destinations.unshift(other.id);
    }
    const sent: Sent[] = [];
    for (let n = 0; n < MESSAGES; n++) sent.push(await sendAcknowledged(route.source.apiKey, n, destinations));
    const ports = deliveryPorts(lines);
    const destination = await ports.directory.getDestination(route.destination.id);
    if (!destination || !isProvisioned(destination)) throw new Error('The destination is not provisioned');
    const records = withDuplicate(
      await receiveRecords(destination.queueUrl, destination.queueArn, MESSAGES),
      DUPLICATED_RECORD,
    );

    const injector = injectCrash(ports, crashAt);
    calls = injector.calls;
    const context = localContext('conveyor-delivery', DELIVERY_TIMEOUT_MS);
    const first = await Promise.race([
      deliverBatch({ Records: records }, context, injector.ports).then(
        (response) => ({ kind: 'answered' as const, response }),
        (error: unknown) => ({ kind: 'threw' as const, error }),
      ),
      injector.crashed.then((call) => ({ kind: 'crashed' as const, call })),
    ]);
    let pending: SQSRecord[] = records;
    if (crashAt) {
      if (first.kind !== 'crashed' && injector.calls.length < crashAt.call)
        throw new Error(`the invocation ${first.kind} after ${injector.calls.length} calls, before the crash point`);
      // What the dead invocation had sent reaches the services before SQS hands its records on.
      await injector.quiesced();
      // It answered before it died (a call it did not wait for was under way): Lambda deletes the rest.
      if (first.kind === 'answered') pending = failedRecords(pending, first.response);
    } else {
      if (first.kind !== 'answered')
        throw new Error(`the clean run threw: ${String((first as { error: unknown }).error)}`);
      pending = failedRecords(pending, first.response);
      if (pending.length > 0) problems.push(`the clean run handed ${pending.length} records back`);
    }
    for (let round = 1; pending.length > 0; round++) {
      if (round > RECOVERY_ROUNDS) {
        problems.push(`${pending.length} records still in the queue after ${RECOVERY_ROUNDS} recovery invocations`);
        break;
      }
      const recovery = injectCrash(ports);
      try {
        const response = await deliverBatch(
          { Records: pending },
          localContext('conveyor-delivery', DELIVERY_TIMEOUT_MS),
          recovery.ports,
        );
        pending = failedRecords(pending, response);
        rounds.push(`round ${round}: ${numbered(recovery.calls)}; ${pending.length} handed back`);
      } catch (error) {
        // A failed invocation returns the whole batch to the queue, as Lambda does.
        rounds.push(`round ${round} threw ${(error as Error).name}: ${(error as Error).message}`);
      }
    }
    problems.push(...(await checkOutcome(sent, receiver, route, shape)));
  } catch (error) {
    problems.push((error as Error).message);
  }
  const repeats = receiver.received.length - new Set(receiver.received.map((got) => got.headers['webhook-id'])).size;
  try {
    await receiver.close();
  } catch (error) {
    problems.push((error as Error).message);
  }
  if (problems.length === 0) return { calls, problems, repeats };
  const label = describeCrash(crashAt, calls);
  const context = [
    `calls: ${numbered(calls)}`,
    ...rounds,
    ...(lines.length > 0 ? [`logged: ${lines.join(' | ')}`] : []),
    `seed ${conveyor.local.fidelity.seed}`,
  ].join('\n    ');
  return { calls, problems: [`${label}:\n  - ${problems.join('\n  - ')}\n    ${context}`], repeats };
};

/** The records a response reported as failures: the ones Lambda leaves in the queue. */
const failedRecords = (records: readonly SQSRecord[], response: SQSBatchResponse): SQSRecord[] => {
  const failed = new Set(response.batchItemFailures.map((failure) => failure.itemIdentifier));
  return records.filter((record) => failed.has(record.messageId));
};

/** True when `calls` are the first calls of `reference`, by name. */
const sameCalls = (calls: readonly PortCall[], reference: readonly PortCall[]) =>
  calls.every((call, index) => call.name === reference[index]?.name);

/** Runs `tasks` at most `limit` at a time, keeping their order in the results. */
const pooled = async <T>(tasks: ReadonlyArray<() => Promise<T>>, limit: number): Promise<T[]> => {
  const results: T[] = [];
  let next = 0;
  const worker = async () => {
    while (next < tasks.length) {
      const index = next++;
      results[index] = await tasks[index]!();
    }
  };
  await Promise.all(Array.from({ length: limit }, worker));
  return results;
};

it.each<Shape>(['one', 'fan-out'])(
  'recovers from a crash before or after every port call of a delivery (%s): no reorder, no loss, same ids and numbers on a repeat, right records',
  async (shape) => {
    const clean = await runScenario(undefined, shape);
    expect(clean.problems).toEqual([]);
    const steps = clean.calls.length;
    // Each of the N deliveries reserves a number, posts and records at least.
    expect(steps).toBeGreaterThanOrEqual(3 * MESSAGES);

    const crashPoints = Array.from({ length: steps }, (_, index) => index + 1).flatMap((call) =>
      (['before', 'after'] as const).map((mode): CrashPoint => ({ call, mode })),
    );
    const results = await pooled(
      crashPoints.map((crashAt) => () => runScenario(crashAt, shape)),
      CONCURRENT_SCENARIOS,
    );
    const { mode, seed, lostAnswers } = conveyor.local.fidelity;
    console.log(
      JSON.stringify({
        shape,
        fidelity: mode,
        seed,
        steps,
        calls: clean.calls.map((call) => call.name),
        scenarios: results.length,
        repeats: results.reduce((sum, result) => sum + result.repeats, 0),
        // Crashed invocations whose calls up to the crash were not the clean run's (a port call whose
        // place depends on timing): their crash point is still the k-th call, named as made.
        diverged: results.filter((result) => !sameCalls(result.calls, clean.calls)).length,
        lostAnswers: Object.fromEntries(lostAnswers),
      }),
    );
    expect(results.flatMap((result) => result.problems)).toEqual([]);
    // Every crash point was reached (a scenario whose invocation ended first reports a problem above).
    expect(results.every((result, index) => result.calls.length === crashPoints[index]!.call)).toBe(true);

    // The crashes took effect: one after a POST the receiver answered leaves Conveyor no record of
    // it, so that transmission is delivered again (same webhook-id and number, checked above).
    const afterPost = crashPoints.flatMap((point, index) =>
      point.mode === 'after' && clean.calls[point.call - 1]?.name === 'deliverer.post' ? [results[index]!] : [],
    );
    expect(afterPost).toHaveLength(MESSAGES);
    expect(afterPost.map((result) => result.repeats)).toEqual(afterPost.map(() => 1));

    // Nothing but this test invoked delivery: no mapping poller ran.
    expect(conveyor.local.mappings.invocations.count).toBe(0);
    expect(
      conveyor.local.mappings.controlPlane
        .snapshot()
        .filter((mapping) => conveyor.local.mappings.isEnabled(mapping.mappingId)),
    ).toEqual([]);
  },
);
