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
  // Any second at the receiver holds at most maxPerSecond arrivals, plus one: starts are at least
  // 1000 / maxPerSecond ms apart as the sender times them (reserveSequence; unit-tested without
  // jitter), and the receiver timestamps each arrival after the connection's and its event loop's
  // delay, which can bring one arrival up to an interval closer to the next (measured here: 115 ms
  // gaps on a loaded machine), enough to let a sixth into a second the first opened, never a seventh.
  const arrivals = drained.map((delivery) => delivery.at);
  const perWindow = Math.max(
    ...arrivals.map((first) => arrivals.filter((time) => time >= first && time < first + 1000).length),
  );
  const intervalMs = 1000 / MAX_PER_SECOND;
  const gaps = arrivals.slice(1).map((time, index) => time - arrivals[index]!);
  // Figures for the report (rerun: npx jest test/integration/rate-limit.test.ts).
  console.info(
    `rate-limit: at most ${perWindow} arrivals in a 1 s window (maxPerSecond ${MAX_PER_SECOND}); smallest gap ${Math.min(...gaps)} ms; ${MESSAGES} arrivals over ${arrivals.at(-1)! - arrivals[0]!} ms`,
  );
  expect(perWindow).toBeLessThanOrEqual(MAX_PER_SECOND + 1);
  // The same allowance over the whole drain: 30 starts span 29 intervals, less one for the jitter.
  expect(arrivals.at(-1)! - arrivals[0]!).toBeGreaterThanOrEqual((MESSAGES - 2) * intervalMs);

  const listed = await conveyor.admin('GET', `/v1/admin/destinations?organizationId=${organization.id}`);
  expect(listed.body.items[0]).toMatchObject({ id: destinationId, maxPerSecond: MAX_PER_SECOND });
  const removed = await conveyor.admin('PATCH', `/v1/admin/destinations/${destinationId}`, { maxPerSecond: null });
  expect(removed.status).toBe(200);
  expect(removed.body).not.toHaveProperty('maxPerSecond');
  const wrong = await conveyor.admin('PATCH', `/v1/admin/destinations/${destinationId}`, { maxPerSecond: 0 });
  expect(wrong.status).toBe(400);
  expect(JSON.stringify(wrong.body)).toContain('maxPerSecond');
});
