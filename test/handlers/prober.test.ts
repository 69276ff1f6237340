/**
 * The prober's middy stack (`createProberHandler`: Powertools context, metrics, the pass loop and
 * the gauges) called as its EventBridge schedule calls it, over memory ports. Its waits are the
 * ports' `sleep`, which waits for nothing and only advances the context's clock.
 */
import { createProberHandler, PROBER_RUN } from '../../lambdas/prober/app';
import { createLogger } from '../../lambdas/shared/runtime/logging';
import { createMetrics, meterOver } from '../../lambdas/shared/runtime/metrics';
import { type CapturedOutput, captureOutput, lambdaContext, scheduledEvent } from './lambda';
import { newId, transmissionIdOf } from '../../lambdas/shared/domain/ids';
import { activeDestination, organization, paused, pausePorts } from './ports';

let output: CapturedOutput;
beforeEach(() => {
  output = captureOutput();
});
afterEach(() => output.restore());

/**
 * The prober over memory ports, and a context whose remaining time starts at `remainingMs` and
 * shrinks by every wait the prober asks for.
 */
const setUp = (remainingMs: number) => {
  const logger = createLogger('conveyor-prober', { logLevel: 'DEBUG' });
  const metrics = createMetrics({ deployment: 'conveyor-test' });
  const fakes = pausePorts({ log: logger, meter: meterOver(metrics) });
  // A lease nobody else holds: exclusivity itself is tested with the middleware.
  const proberLease = { take: async () => true, release: async () => undefined };
  const handler = createProberHandler({ ...fakes.ports, proberLease }, logger, metrics);
  const slept = () => fakes.slept.reduce((sum, ms) => sum + ms, 0);
  const context = lambdaContext('conveyor-prober', () => remainingMs - slept());
  const run = () => handler(scheduledEvent(), context);
  return { ...fakes, run };
};

/** A paused destination of a new organization, paused at 09:00 with its next probe at `nextRetryAt`. */
const pausedUntil = (fakes: ReturnType<typeof setUp>, nextRetryAt: string) => {
  const lab = organization('Lab');
  fakes.directory.organizations.set(lab.id, lab);
  const destination = paused(activeDestination(lab.id), '2026-11-26T09:00:00.000Z', nextRetryAt);
  fakes.directory.destinations.set(destination.id, destination);
  // Paused for a while: its mapping is off.
  fakes.mappings.states.set(destination.mappingId, 'Disabled');
  return destination;
};

it('with nothing paused, makes one pass, returns its counts and publishes the gauges at zero', async () => {
  const fakes = setUp(60_000);

  const answer = await fakes.run();

  expect(answer).toEqual({ passes: 1, probed: 0, resumed: 0, mappingUpdates: 0 });
  expect(fakes.slept).toEqual([]);
  const published = output.metrics();
  expect(published).toHaveLength(1);
  expect(published[0]).toMatchObject({
    service: 'conveyor-test',
    PausedDestinations: 0,
    LongestPause: 0,
    OldestPausedEntryAge: 0,
    SpillBacklog: 0,
    // No destination queue: nothing waits anywhere.
    OldestEntryAge: 0,
  });
  expect(output.logs()).toEqual([]);
});

it('passes every interval while a destination stays paused, and stops once less than the final margin remains', async () => {
  // Prepare: its probe is not due, so each pass finds it paused and leaves it; 41 s remain, so
  // after three passes (and three 2 s intervals) 35 s are left, not more than the margin.
  const fakes = setUp(PROBER_RUN.finalPassMarginMs + 3 * PROBER_RUN.passIntervalMs);
  pausedUntil(fakes, '2026-11-26T10:30:00.000Z');

  const answer = await fakes.run();

  expect(answer).toEqual({ passes: 3, probed: 0, resumed: 0, mappingUpdates: 0 });
  expect(fakes.slept).toEqual([2000, 2000, 2000]);
  expect(fakes.posted).toEqual([]);
  // The gauges, once, after the last pass: one destination paused for an hour.
  const published = output.metrics();
  expect(published).toHaveLength(1);
  expect(published[0]).toMatchObject({
    PausedDestinations: 1,
    LongestPause: 3600,
    OldestPausedEntryAge: 3600,
    SpillBacklog: 0,
    OldestEntryAge: 0,
  });
});

it('visits a due paused destination only while the run has more than the visit margin left', async () => {
  // Prepare: the probe is due (the clock reads 10:00); the first run has exactly the margin left, the second more.
  // Its queue is empty: a probe resumes it.
  const short = setUp(PROBER_RUN.visitMarginMs);
  const left = pausedUntil(short, '2026-11-26T09:30:00.000Z');
  const roomy = setUp(PROBER_RUN.visitMarginMs + 1000);
  const visited = pausedUntil(roomy, '2026-11-26T09:30:00.000Z');

  expect(await short.run()).toMatchObject({ passes: 1, probed: 0, resumed: 0 });
  expect(await roomy.run()).toMatchObject({ probed: 1, resumed: 1 });

  expect(short.directory.destinations.get(left.id)!.status).toBe('paused');
  expect(roomy.directory.destinations.get(visited.id)!.status).toBe('active');
});

it("pauses, before its passes, an active destination whose oldest entry nears the queue's retention, and leaves it to the run's passes", async () => {
  // Prepare: delivery has the head of its queue in hand, enqueued 13 days ago (the spill age is 12).
  const fakes = setUp(60_000);
  const lab = organization('Lab');
  fakes.directory.organizations.set(lab.id, lab);
  const destination = activeDestination(lab.id);
  fakes.directory.destinations.set(destination.id, destination);
  const messageId = newId('message');
  const transmissionId = transmissionIdOf(messageId, 0);
  const sentAt = '2026-11-13T10:00:00.000Z';
  await fakes.messages.commitMessage({
    id: messageId,
    sourceId: newId('source'),
    organizationId: lab.id,
    receivedAt: sentAt,
    dataModel: 'Results',
    eventType: 'New',
    transmissions: [{ id: transmissionId, destinationId: destination.id, status: 'queued', attempts: 0 }],
  });
  await fakes.messages.reserveSequence(destination.id, transmissionId, sentAt);
  await fakes.queues.send(destination.queueUrl, {
    groupId: destination.id,
    deduplicationId: transmissionId,
    body: 'entry',
  });

  await fakes.run();

  expect(fakes.directory.destinations.get(destination.id)).toMatchObject({
    status: 'paused',
    pause: { headTransmissionId: transmissionId, queueHeadSentAt: sentAt },
  });
  expect(fakes.mappings.calls).toEqual([`disable ${destination.mappingId}`]);
  expect(fakes.mailed).toEqual([{ to: 'lab@example.org', subject: '[Conveyor] Paused: Lab results' }]);
  expect(output.metrics()[0]).toMatchObject({ Pauses: 1, OldestEntryAge: 13 * 24 * 3600, PausedDestinations: 1 });
});

it('makes a single pass when the run starts with less than the final margin left', async () => {
  const fakes = setUp(PROBER_RUN.finalPassMarginMs - 1);
  pausedUntil(fakes, '2026-11-26T10:30:00.000Z');

  const answer = await fakes.run();

  expect(answer).toEqual({ passes: 1, probed: 0, resumed: 0, mappingUpdates: 0 });
});

it('probes a due head, resumes its destination when the queue behind it is empty, and enables its mapping through the reconciler', async () => {
  const fakes = setUp(60_000);
  const destination = pausedUntil(fakes, '2026-11-26T09:59:55.000Z');

  const answer = await fakes.run();

  // The resume is recorded in pass 1; the reconciler enables the mapping in pass 2 and sees it
  // enabled in pass 3, which empties the worklist and ends the run.
  expect(answer).toEqual({ passes: 3, probed: 1, resumed: 1, mappingUpdates: 1 });
  expect(fakes.directory.destinations.get(destination.id)).toMatchObject({ status: 'active', pause: undefined });
  expect(fakes.mappings.calls).toEqual([`enable ${destination.mappingId}`]);
  expect(fakes.mailed.map(({ to }) => to)).toEqual(['lab@example.org']);
  expect(output.metrics()[0]).toMatchObject({ Resumes: 1, AlertsSent: 1, PausedDestinations: 0 });
});
