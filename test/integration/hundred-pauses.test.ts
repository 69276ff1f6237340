/**
 * A hundred destinations pause at once against the local control plane in fidelity mode (a
 * change takes 1–5 s while the mapping keeps polling, an update meanwhile is refused, more than
 * 15 calls in a second are throttled): every destination pauses with its mapping disabled, every
 * paused head is probed, and every destination resumes with its mapping enabled and its backlog
 * delivered in order. It waits for states, never for a time to pass.
 */
import { destinationIdOfQueue } from '../../lambdas/shared/mappings/desired-state';
import { accepted, type Received, startReceiver, type Receiver } from '../fixtures/receiver';
import { EMAIL_WAIT_MS, startTestConveyor, type TestConveyor, waitFor } from '../fixtures/conveyor';

jest.setTimeout(600_000);

const DESTINATIONS = 100;
const SEED = 10;

let conveyor: TestConveyor;
let receiver: Receiver;

afterAll(async () => {
  await conveyor?.stop();
  await receiver?.close();
});

const dataOf = (delivery: Received) => JSON.parse(delivery.body).data as { i: number };

it('pauses, probes and resumes a hundred destinations at once through the throttled control plane', async () => {
  conveyor = await startTestConveyor(
    {
      // Seeded, so a failing run can be replayed with the same delays.
      CONVEYOR_LOCAL_FIDELITY: 'aws',
      CONVEYOR_LOCAL_SEED: String(SEED),
      PROBE_LADDER_SECONDS: '2,3',
      PAUSE_RELEASE_SECONDS: '1',
      INLINE_RETRY_BACKOFF_MS: '50',
      INLINE_RETRY_CAP_MS: '100',
    },
    { tableInMemory: true },
  );
  const { controlPlane } = conveyor.local.mappings;
  receiver = await startReceiver();
  let down = true;
  receiver.respond = () => (down ? 503 : 200);

  const organization = await conveyor.createOrganization();
  const source = await conveyor.createSource(organization.id);
  const destinations: Array<{ id: string }> = [];
  for (let d = 0; d < DESTINATIONS; d++) {
    const destination = (
      await conveyor.admin('POST', `/v1/admin/organizations/${organization.id}/destinations`, {
        name: `d-${d}`,
        url: receiver.url,
        timeoutMs: 2000,
      })
    ).body;
    await conveyor.subscribe(source.id, destination.id, 'Lab');
    destinations.push(destination);
  }
  const mappingOf = new Map<string, string>();
  await waitFor(
    () => {
      for (const mapping of controlPlane.snapshot())
        mappingOf.set(destinationIdOfQueue(mapping.queueArn)!, mapping.mappingId);
      return destinations.every(
        (destination) => controlPlane.stateOf(mappingOf.get(destination.id) ?? '') === 'Enabled',
      );
    },
    'every mapping to be created',
    120_000,
  );
  const stateOf = (destination: { id: string }) => controlPlane.stateOf(mappingOf.get(destination.id)!);
  const statusOf = async (destination: { id: string }) =>
    (await conveyor.admin('GET', `/v1/admin/destinations/${destination.id}`)).body.status as string;
  const statuses = async () => Promise.all(destinations.map(statusOf));
  const callsBefore = { ...controlPlane.calls };

  // One message to all hundred, then one more queued behind it: every head fails at once.
  for (let i = 0; i < 2; i++) {
    const answer = await conveyor.send(source.apiKey, { meta: { dataModel: 'Lab', eventType: 'Result' }, data: { i } });
    expect(answer.status).toBe(200);
    expect(answer.body.transmissions).toHaveLength(DESTINATIONS);
  }
  await waitFor(
    async () => (await statuses()).every((status) => status === 'paused'),
    'every destination to pause',
    120_000,
  );
  await waitFor(
    () => destinations.every((destination) => stateOf(destination) === 'Disabled'),
    'every mapping to be disabled',
    180_000,
  );

  // Every head is probed while the endpoint is still down: more attempts than the pause counted.
  const heads = new Set(
    await Promise.all(
      destinations.map(
        async (destination) =>
          (await conveyor.admin('GET', `/v1/admin/destinations/${destination.id}`)).body.headTransmissionId as string,
      ),
    ),
  );
  expect(heads.size).toBe(DESTINATIONS);
  const attemptsAtPause = new Map(
    [...heads].map((head) => [
      head,
      receiver.received.filter((delivery) => delivery.headers['webhook-id'] === head).length,
    ]),
  );
  await waitFor(
    () =>
      [...heads].every(
        (head) =>
          receiver.received.filter((delivery) => delivery.headers['webhook-id'] === head).length >
          attemptsAtPause.get(head)!,
      ),
    'every paused head to be probed',
    180_000,
  );

  down = false;
  await waitFor(
    async () => (await statuses()).every((status) => status === 'active'),
    'every destination to resume',
    180_000,
  );
  await waitFor(
    () => destinations.every((destination) => stateOf(destination) === 'Enabled'),
    'every mapping to be enabled',
    180_000,
  );
  const deliveredOnce = () => new Set(accepted(receiver).map((delivery) => delivery.headers['webhook-id'])).size;
  await waitFor(() => deliveredOnce() === 2 * DESTINATIONS, 'both messages at every destination', 120_000);

  // In order everywhere: each destination numbers its deliveries from 1, so every first delivery
  // is the first message and every second one the second (a repeat has the same id and number).
  const messageAt = (sequence: number) =>
    accepted(receiver)
      .filter((delivery) => Number(delivery.headers['conveyor-sequence']) === sequence)
      .map((delivery) => dataOf(delivery).i);
  expect(new Set(messageAt(1))).toEqual(new Set([0]));
  expect(new Set(messageAt(2))).toEqual(new Set([1]));
  expect(accepted(receiver).every((delivery) => Number(delivery.headers['conveyor-sequence']) <= 2)).toBe(true);

  // One Paused and one Resumed email per destination. The prober sends them from the outbox at the
  // start of its passes, so the last Resumed ones may still be on their way when the deliveries are in.
  const sentEmails = async () =>
    ((await (await fetch(`${conveyor.local.sesUrl}/store`)).json()) as { emails: Array<{ subject: string }> }).emails;
  await waitFor(
    async () =>
      (await sentEmails()).filter((email) => email.subject.startsWith('[Conveyor] Resumed: ')).length >= DESTINATIONS,
    'a Resumed email for every destination',
    EMAIL_WAIT_MS,
  );
  const emails = await sentEmails();
  for (const kind of ['Paused', 'Resumed']) {
    const subjects = emails
      .filter((email) => email.subject.startsWith(`[Conveyor] ${kind}: `))
      .map((email) => email.subject);
    expect(new Set(subjects).size).toBe(DESTINATIONS);
    expect(subjects).toHaveLength(DESTINATIONS);
  }

  // Never beyond Lambda's quota: the bucket kept every call under it.
  const calls = controlPlane.calls;
  expect(calls.throttled).toBe(0);
  const episodeCalls = (['get', 'list', 'update'] as const).reduce(
    (sum, operation) => sum + calls[operation] - callsBefore[operation],
    0,
  );
  console.log(
    JSON.stringify({
      destinations: DESTINATIONS,
      seed: SEED,
      controlPlaneCalls: {
        get: calls.get - callsBefore.get,
        list: calls.list - callsBefore.list,
        update: calls.update - callsBefore.update,
        inUse: calls.inUse,
        throttled: calls.throttled,
      },
      callsPerPauseEpisode: episodeCalls / DESTINATIONS,
    }),
  );
});
