/**
 * Failure handling on the real stand-ins: six destinations, 300 messages each. Receivers fail in
 * bursts of 5xx, time out, refuse connections, refuse the data (400) for a while, and one stays
 * down until the end. Every acknowledged message arrives, nothing is ever reordered, each pause
 * episode sends exactly one Paused and one Resumed email (once settled) to the organization at fault, healthy
 * destinations finish while others are paused, and a skipped head leaves a visible gap and can be
 * replayed.
 */
import { destinationIdOfQueue } from '../../lambdas/shared/mappings/desired-state';
import { accepted, type Received, type Receiver, startReceiver } from '../fixtures/receiver';
import { startTestConveyor, type TestConveyor, waitFor } from '../fixtures/conveyor';

jest.setTimeout(420_000);

const MESSAGES = 300;
const LANES = 6;

interface Email {
  subject: string;
  destination: { to: string[] };
}

interface Lane {
  name: string;
  receiver: Receiver;
  destination: { id: string };
  organizationEmail: string;
}

let running: TestConveyor | undefined;
const lanes: Lane[] = [];

afterEach(async () => {
  await running?.stop();
  running = undefined;
  await Promise.all(lanes.splice(0).map((lane) => lane.receiver.close()));
});

const dataOf = (delivery: Received) => JSON.parse(delivery.body).data as { lane: number; n: number };

// Both fidelity modes: the stand-ins as they are, and as AWS behaves at its worst (mapping changes
// delayed and throttled, batches of up to 10, writes applied with their answers lost).
it.each(['default', 'aws'] as const)(
  'delivers everything in order through bursts of 5xx, timeouts, refused connections, 400s and a destination that stays down (%s fidelity)',
  async (fidelity) => {
    const conveyor = await startTestConveyor({
      CONVEYOR_LOCAL_FIDELITY: fidelity,
      PROBE_LADDER_SECONDS: '1,1,1,2,2,3',
      PAUSE_RELEASE_SECONDS: '1',
      INLINE_RETRY_BACKOFF_MS: '100',
      INLINE_RETRY_CAP_MS: '300',
    });
    running = conveyor;
    const hospital = await conveyor.admin('POST', '/v1/admin/organizations', {
      name: 'Hospital',
      alertEmail: 'hospital@example.org',
    });
    const source = await conveyor.createSource(hospital.body.id);

    // Each receiver records what it answered; `behave` decides per request.
    const addLane = async (
      name: string,
      behave: (count: number, receiver: Receiver) => number | { status: number; delayMs: number },
      timeoutMs?: number,
    ) => {
      const receiver = await startReceiver();
      let count = 0;
      receiver.respond = () => behave(++count, receiver);
      const organizationEmail = `${name}@example.org`;
      const organization = await conveyor.admin('POST', '/v1/admin/organizations', {
        name,
        alertEmail: organizationEmail,
      });
      const destination = (
        await conveyor.admin('POST', `/v1/admin/organizations/${organization.body.id}/destinations`, {
          name,
          url: receiver.url,
          timeoutMs,
        })
      ).body;
      await conveyor.subscribe(source.id, destination.id, 'PatientAdmin');
      lanes.push({ name, receiver, destination, organizationEmail });
    };

    let downUntilTheEnd = true;
    await addLane('healthy', () => 200);
    // Two bursts of six 503s: three inline attempts, then the destination pauses and is probed.
    await addLane('bursts', (count) => ((count > 50 && count <= 56) || (count > 150 && count <= 156) ? 503 : 200));
    // Four answers come a second after the 2 s timeout (generous, so a loaded machine's ordinary
    // answers never time out too).
    await addLane('timeouts', (count) => (count > 80 && count <= 84 ? { status: 200, delayMs: 3000 } : 200), 2000);
    // At the 100th request the receiver drops the connection and stops listening for three seconds.
    await addLane('refusing', (count, receiver) => {
      if (count !== 100) return 200;
      receiver.refuseFor(3000);
      return 200; // never sent: the connection is gone
    });
    // Four 400s: the data is refused, the sender's organization is at fault, no inline retry.
    await addLane('rejecting', (count) => (count > 120 && count <= 124 ? 400 : 200));
    // Down from the 30th request until the test brings it back.
    await addLane('down', (count) => (count > 30 && downUntilTheEnd ? 500 : 200));

    const messageIds: string[] = [];
    // As the contract tells integrators: a 503 `not_accepted` acknowledged nothing, so the same
    // message goes again with the same Idempotency-Key (a few times at most). A loaded machine, or
    // the fidelity mode's lost answers, can make the store or a queue miss ingest's deadline.
    let notAccepted = 0;
    const sendUntilAccepted = async (message: unknown, idempotencyKey: string) => {
      for (let attempt = 1; ; attempt++) {
        const answer = await conveyor.send(source.apiKey, message, { 'idempotency-key': idempotencyKey });
        if (answer.status !== 503 || attempt === 5) return answer;
        expect(answer.body.error.code).toBe('not_accepted');
        notAccepted++;
      }
    };
    await Promise.all(
      [...Array(LANES).keys()].map(async (lane) => {
        for (let n = 0; n < MESSAGES / LANES; n++) {
          const answer = await sendUntilAccepted(
            { meta: { dataModel: 'PatientAdmin', eventType: 'Arrival' }, data: { lane, n } },
            `chaos-${lane}-${n}`,
          );
          expect(answer.status).toBe(200);
          messageIds.push(answer.body.messageId);
        }
      }),
    );
    expect(messageIds).toHaveLength(MESSAGES);

    const [healthy, , , , , down] = lanes as [Lane, Lane, Lane, Lane, Lane, Lane];
    const others = lanes.filter((lane) => lane !== down);
    const destinationState = async (lane: Lane) =>
      (await conveyor.admin('GET', `/v1/admin/destinations/${lane.destination.id}`)).body;

    // Healthy destinations finish while the one that is down stays paused.
    await waitFor(() => accepted(healthy.receiver).length === MESSAGES, 'the healthy destination', 120_000);
    expect((await destinationState(down)).status).toBe('paused');
    await waitFor(
      () => others.every((lane) => accepted(lane.receiver).length === MESSAGES),
      'the recovering destinations',
      240_000,
    );
    const paused = await destinationState(down);
    expect(paused).toMatchObject({
      status: 'paused',
      pauseReason: 'HTTP 500',
      fault: 'destination',
      headTransmissionId: expect.any(String),
    });
    expect(paused.queueDepth).toBeGreaterThan(0);

    // Skip the head: it is parked, the destination resumes (and pauses again on the next head).
    const skip = await conveyor.admin('POST', `/v1/admin/destinations/${down.destination.id}/skip`);
    expect(skip).toMatchObject({ status: 200, body: { skippedTransmissionId: paused.headTransmissionId } });
    const skippedMessage = messageIds.find((id) => paused.headTransmissionId.startsWith(`trn_${id.slice(4)}`))!;
    const view = await conveyor.request('GET', `/v1/messages/${skippedMessage}`, {
      headers: { authorization: `Bearer ${source.apiKey}` },
    });
    expect(view.body.transmissions.find((t: any) => t.id === paused.headTransmissionId)).toMatchObject({
      status: 'skipped',
      lastError: 'HTTP 500',
    });
    // The other five transmissions are delivered: the roll-up says skipped.
    expect(view.body.status).toBe('skipped');
    await waitFor(
      async () => (await destinationState(down)).status === 'paused',
      'the next head to pause the destination again',
      60_000,
    );
    expect(
      (await conveyor.admin('POST', `/v1/admin/destinations/${healthy.destination.id}/skip`)).body.error.code,
    ).toBe('not_paused');

    // Bring it back: the prober resumes it, then replay the skipped transmission at the tail.
    downUntilTheEnd = false;
    await waitFor(() => accepted(down.receiver).length === MESSAGES - 1, 'the destination that was down', 120_000);
    const replay = await conveyor.admin('POST', `/v1/admin/transmissions/${paused.headTransmissionId}/replay`);
    expect(replay).toMatchObject({
      status: 200,
      body: { transmissionId: paused.headTransmissionId, status: 'queued' },
    });
    await waitFor(() => accepted(down.receiver).length === MESSAGES, 'the replayed transmission', 60_000);
    expect(
      (await conveyor.admin('POST', `/v1/admin/transmissions/${paused.headTransmissionId}/replay`)).body.error.code,
    ).toBe('not_replayable');

    // Each pause episode: one Paused email, then one Resumed email once the destination has stayed
    // active for the settling time (10 s locally), to the organization at fault. A pause within the
    // settling time continues the episode: whether the second burst (about a hundred deliveries
    // after the first) or the pause that follows the skip lands inside it depends on the machine's
    // pace, so those lanes have one or two episodes. No lane flaps: no Unstable email.
    const sentEmails = async () =>
      ((await (await fetch(`${conveyor.local.sesUrl}/store`)).json()) as { emails: Email[] }).emails;
    const count = (emails: Email[], lane: Lane, kind: 'Paused' | 'Resumed') =>
      emails.filter((email) => email.subject === `[Conveyor] ${kind}: ${lane.name}`).length;
    await waitFor(
      async () => {
        const sent = await sentEmails();
        return lanes.every((lane) => count(sent, lane, 'Resumed') === count(sent, lane, 'Paused'));
        // As long as the other waits here: beside another heavy test file, the prober's passes (which
        // send settled Resumed emails) slow down with everything else.
      },
      'a Resumed email for every episode, once settled',
      180_000,
    );
    const emails = await sentEmails();
    const episodes: Record<string, { least: number; most: number; to: string }> = {
      healthy: { least: 0, most: 0, to: 'healthy@example.org' },
      bursts: { least: 1, most: 2, to: 'bursts@example.org' },
      timeouts: { least: 1, most: 1, to: 'timeouts@example.org' },
      refusing: { least: 1, most: 1, to: 'refusing@example.org' },
      rejecting: { least: 1, most: 1, to: 'hospital@example.org' },
      down: { least: 1, most: 2, to: 'down@example.org' },
    };
    for (const lane of lanes) {
      const expected = episodes[lane.name]!;
      const paused = count(emails, lane, 'Paused');
      const inRange = paused >= expected.least && paused <= expected.most;
      expect({ lane: lane.name, paused, inRange }).toEqual({ lane: lane.name, paused, inRange: true });
      expect({ lane: lane.name, resumed: count(emails, lane, 'Resumed') }).toEqual({
        lane: lane.name,
        resumed: paused,
      });
      for (const email of emails.filter((candidate) => candidate.subject.endsWith(`: ${lane.name}`)))
        expect(email.destination.to).toEqual([expected.to]);
    }
    expect(emails.filter((email) => email.subject.startsWith('[Conveyor] Unstable'))).toEqual([]);

    let duplicates = 0;
    for (const lane of lanes) {
      const all = lane.receiver.received;
      // The sequence a receiver sees never decreases, and a repeated number is the same transmission.
      const idOfSequence = new Map<number, string>();
      let previous = 0;
      for (const delivery of all) {
        const sequence = Number(delivery.headers['conveyor-sequence']);
        expect(sequence).toBeGreaterThanOrEqual(previous);
        previous = sequence;
        const id = String(delivery.headers['webhook-id']);
        expect(idOfSequence.get(sequence) ?? id).toBe(id);
        idOfSequence.set(sequence, id);
      }
      // Every message arrived once with a 2xx, each sender lane in order.
      const delivered = accepted(lane.receiver);
      const keys = delivered.map((delivery) => `${dataOf(delivery).lane}/${dataOf(delivery).n}`);
      expect(new Set(keys).size).toBe(MESSAGES);
      const inOrder = lane === down ? delivered.slice(0, -1) : delivered;
      for (let l = 0; l < LANES; l++) {
        const ns = inOrder
          .map(dataOf)
          .filter((data) => data.lane === l)
          .map((data) => data.n);
        expect(ns).toEqual([...ns].sort((a, b) => a - b));
      }
      duplicates += all.length - new Set(all.map((delivery) => delivery.headers['webhook-id'])).size;
      // Sequence numbers of deliveries are contiguous, but for the skipped head's gap.
      const sequences = delivered.map((delivery) => Number(delivery.headers['conveyor-sequence']));
      const gaps = sequences.slice(1).filter((sequence, index) => sequence !== sequences[index]! + 1).length;
      expect({ lane: lane.name, gaps }).toEqual({ lane: lane.name, gaps: lane === down ? 1 : 0 });
    }
    // The replayed transmission came last, with its own id and a new, higher number.
    const last = accepted(down.receiver).at(-1)!;
    expect(last.headers['webhook-id']).toBe(paused.headTransmissionId);
    // Eventually every destination's mapping matches its state: active and enabled, or paused and disabled.
    const { controlPlane } = conveyor.local.mappings;
    const mappingsMatch = async () => {
      for (const lane of lanes) {
        const { status } = await destinationState(lane);
        const mapping = controlPlane
          .snapshot()
          .find((candidate) => destinationIdOfQueue(candidate.queueArn) === lane.destination.id);
        if (mapping?.state !== (status === 'active' ? 'Enabled' : 'Disabled')) return false;
      }
      return true;
    };
    await waitFor(mappingsMatch, 'every mapping to match its destination', 60_000);

    const { mode, seed, lostAnswers } = conveyor.local.fidelity;
    const pauseEpisodes = emails.filter((email) => email.subject.startsWith('[Conveyor] Paused')).length;
    const { calls } = controlPlane;
    console.log(
      JSON.stringify({
        fidelity: mode,
        seed,
        sent: MESSAGES * LANES,
        notAcceptedThenResent: notAccepted,
        delivered: lanes.reduce((sum, lane) => sum + accepted(lane.receiver).length, 0),
        repeatedAttempts: duplicates,
        emails: emails.length,
        lostAnswers: Object.fromEntries(lostAnswers),
        pauseEpisodes,
        controlPlaneCalls: calls,
        // Creations excluded: they belong to registration, not to pauses.
        callsPerPauseEpisode:
          pauseEpisodes === 0 ? 0 : Number(((calls.update + calls.get + calls.list) / pauseEpisodes).toFixed(2)),
      }),
    );
  },
);
