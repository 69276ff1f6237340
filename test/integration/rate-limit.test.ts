/**
 * A destination's `maxPerSecond` over the real stand-ins: 30 messages queue while the destination
 * is paused (its receiver down), then drain on resume, across batches and invocations. The
 * receiver timestamps each arrival; no one-second window holds more than the limit (plus one: a
 * start spaced 200 ms after the previous one can arrive a little sooner than 200 ms after it, by
 * the jitter of the connection, which lets a sixth arrival into a window the fifth opened), and
 * the order is the queue's. A rate of the system, not a threshold on the machine's speed: a slower
 * machine only spaces arrivals further.
 */
import { type Receiver, accepted, startReceiver } from '../fixtures/receiver';
import { startTestConveyor, type TestConveyor, waitFor } from '../fixtures/conveyor';

jest.setTimeout(120_000);

const MAX_PER_SECOND = 5;
const MESSAGES = 30;

let conveyor: TestConveyor;
let receiver: Receiver;

beforeAll(async () => {
  conveyor = await startTestConveyor({ INLINE_RETRY_BACKOFF_MS: '20', INLINE_RETRY_CAP_MS: '50' });
  receiver = await startReceiver();
});

afterAll(async () => {
  await conveyor?.stop();
  await receiver?.close();
});

it('drains a backlog no faster than maxPerSecond, in order, and shows, changes and removes the setting', async () => {
  const organization = await conveyor.createOrganization();
  const source = await conveyor.createSource(organization.id);
  const created = await conveyor.admin('POST', `/v1/admin/organizations/${organization.id}/destinations`, {
    name: 'Paced lab',
    url: receiver.url,
    maxPerSecond: MAX_PER_SECOND,
  });
  expect(created.status).toBe(201);
  expect(created.body.maxPerSecond).toBe(MAX_PER_SECOND);
  const destinationId: string = created.body.id;
  await conveyor.subscribe(source.id, destinationId, 'Results');
  const describe = async () => (await conveyor.admin('GET', `/v1/admin/destinations/${destinationId}`)).body;
  expect(await describe()).toMatchObject({ maxPerSecond: MAX_PER_SECOND });

  // The receiver is down: the first message pauses the destination, the rest queue behind it.
  receiver.respond = () => 503;
  const send = async (n: number) => {
    const answer = await conveyor.send(source.apiKey, {
      meta: { dataModel: 'Results', eventType: 'New' },
      data: { n },
    });
    expect(answer.status).toBe(200);
    return answer.body.transmissions[0].id as string;
  };
  const transmissionIds = [await send(0)];
  await waitFor(async () => (await describe()).status === 'paused', 'the pause');
  for (let n = 1; n < MESSAGES; n++) transmissionIds.push(await send(n));
  await waitFor(async () => (await describe()).queueDepth === MESSAGES, 'the backlog queued');

  receiver.respond = () => 200;
  expect((await conveyor.admin('POST', `/v1/admin/destinations/${destinationId}/resume`)).status).toBe(200);
  await waitFor(() => accepted(receiver).length >= MESSAGES, 'the drain', 90_000);

  const drained = accepted(receiver);
  expect(drained.map((delivery) => delivery.headers['webhook-id'])).toEqual(transmissionIds);
  // The sender spaces starts at least 1000 / maxPerSecond ms apart (reserveSequence; unit-tested
  // without jitter). The receiver timestamps each arrival after its connection's and its event
  // loop's delay, which a loaded machine can stretch to hundreds of ms for one arrival and not the
  // next, so a per-second count at the receiver would race the machine's load. What no load can
  // break: a late first arrival and an on-time last one compress the drain by at most that delay,
  // so 30 starts, 29 intervals (5.8 s) apart in all, reach the receiver over more than 29 intervals
  // less 2 s; an unlimited drain of 30 takes about a second here.
  const arrivals = drained.map((delivery) => delivery.at);
  const perWindow = Math.max(
    ...arrivals.map((first) => arrivals.filter((time) => time >= first && time < first + 1000).length),
  );
  const intervalMs = 1000 / MAX_PER_SECOND;
  const gaps = arrivals.slice(1).map((time, index) => time - arrivals[index]!);
  // Figures for the report (rerun: npx jest test/integration/rate-limit.test.ts).
  console.info(
    `rate-limit: at most ${perWindow} arrivals in a 1 s window at the receiver (maxPerSecond ${MAX_PER_SECOND}); smallest gap ${Math.min(...gaps)} ms; ${MESSAGES} arrivals over ${arrivals.at(-1)! - arrivals[0]!} ms`,
  );
  expect(arrivals.at(-1)! - arrivals[0]!).toBeGreaterThanOrEqual((MESSAGES - 1) * intervalMs - 2000);

  const listed = await conveyor.admin('GET', `/v1/admin/destinations?organizationId=${organization.id}`);
  expect(listed.body.items[0]).toMatchObject({ id: destinationId, maxPerSecond: MAX_PER_SECOND });
  const removed = await conveyor.admin('PATCH', `/v1/admin/destinations/${destinationId}`, { maxPerSecond: null });
  expect(removed.status).toBe(200);
  expect(removed.body).not.toHaveProperty('maxPerSecond');
  const wrong = await conveyor.admin('PATCH', `/v1/admin/destinations/${destinationId}`, { maxPerSecond: 0 });
  expect(wrong.status).toBe(400);
  expect(JSON.stringify(wrong.body)).toContain('maxPerSecond');
});
