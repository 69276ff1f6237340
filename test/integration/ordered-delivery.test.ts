/**
 * Two sources send 600 messages concurrently, interleaved, to three destinations over the real
 * stand-ins: every receiver gets exactly its messages, in the order its queue accepted them, with
 * contiguous sequence numbers and verifiable signatures, and every arrival is recorded.
 */
import { Webhook } from 'standardwebhooks';
import { startReceiver, type Receiver } from '../fixtures/receiver';
import { startTestConveyor, type TestConveyor, waitFor } from '../fixtures/conveyor';

jest.setTimeout(240_000);

const LANES_PER_SOURCE = 4;
const MESSAGES_PER_LANE = 75; // 2 sources × 4 lanes × 75 = 600 messages

interface Payload {
  source: string;
  lane: number;
  n: number;
}

let conveyor: TestConveyor;
const receivers: Receiver[] = [];

afterAll(async () => {
  await conveyor?.stop();
  await Promise.all(receivers.map((receiver) => receiver.close()));
});

it('delivers every message to each of its destinations once, in queue order, signed and sequenced', async () => {
  conveyor = await startTestConveyor();
  const [hospital, lab] = [await conveyor.createOrganization('Hospital'), await conveyor.createOrganization('Lab')];
  for (let i = 0; i < 3; i++) receivers.push(await startReceiver());
  const [r1, r2, r3] = receivers as [Receiver, Receiver, Receiver];
  const d1 = await conveyor.createDestination(hospital.id, r1.url);
  const d2 = await conveyor.createDestination(lab.id, r2.url);
  const d3 = await conveyor.createDestination(lab.id, r3.url);
  const ehr = await conveyor.createSource(hospital.id);
  const lis = await conveyor.createSource(lab.id);
  // The EHR's messages fan out by subscription to d1 and d2; the LIS names d1 and d3 explicitly.
  await conveyor.subscribe(ehr.id, d1.id, 'PatientAdmin');
  await conveyor.subscribe(ehr.id, d2.id, 'PatientAdmin', 'Arrival');
  await conveyor.subscribe(lis.id, d1.id, 'Results');
  await conveyor.subscribe(lis.id, d3.id, 'Results');

  const answers: Array<{ payload: Payload; body: any }> = [];
  // Each lane sends its messages one after another (so their queue order is known); lanes and
  // sources run concurrently, so queues see them interleaved.
  const lane = async (source: 'ehr' | 'lis', laneNumber: number) => {
    for (let n = 0; n < MESSAGES_PER_LANE; n++) {
      const payload: Payload = { source, lane: laneNumber, n };
      const message =
        source === 'ehr'
          ? { meta: { dataModel: 'PatientAdmin', eventType: 'Arrival' }, data: payload }
          : { meta: { dataModel: 'Results', eventType: 'New', destinations: [d1.id, d3.id] }, data: payload };
      const answer = await conveyor.send(source === 'ehr' ? ehr.apiKey : lis.apiKey, message);
      expect(answer.status).toBe(200);
      answers.push({ payload, body: answer.body });
    }
  };
  await Promise.all([...Array(LANES_PER_SOURCE).keys()].flatMap((l) => [lane('ehr', l), lane('lis', l)]));

  // One overall answer per message, with one queued transmission per destination.
  expect(answers).toHaveLength(600);
  for (const { payload, body } of answers) {
    const expected = payload.source === 'ehr' ? [d1.id, d2.id].sort() : [d1.id, d3.id];
    expect(body.transmissions.map((t: any) => t.destinationId).sort()).toEqual([...expected].sort());
    expect(body.transmissions.every((t: any) => t.status === 'queued' && /^trn_/.test(t.id))).toBe(true);
  }

  const expectations = [
    { receiver: r1, destination: d1, count: 600 },
    { receiver: r2, destination: d2, count: 300 },
    { receiver: r3, destination: d3, count: 300 },
  ];
  await waitFor(
    () => expectations.every(({ receiver, count }) => receiver.received.length >= count),
    'all deliveries',
    180_000,
  );

  for (const { receiver, destination, count } of expectations) {
    expect(receiver.received).toHaveLength(count);
    const webhook = new Webhook(destination.signingSecret);
    const bodies = receiver.received.map((delivery, index) => {
      // Signed with the destination's secret, verifiable with the standardwebhooks library.
      const verified = webhook.verify(delivery.body, delivery.headers as Record<string, string>) as any;
      // Contiguous sequence numbers from 1, in delivery order, in header and body alike.
      expect(delivery.headers['conveyor-sequence']).toBe(String(index + 1));
      expect(verified.meta.sequence).toBe(index + 1);
      expect(delivery.headers['webhook-id']).toBe(verified.meta.transmissionId);
      return verified as { meta: any; data: Payload };
    });
    // Exactly its messages, once each…
    const keys = bodies.map(({ data }) => `${data.source}/${data.lane}/${data.n}`);
    expect(new Set(keys).size).toBe(count);
    // …and each lane's messages in the order the queue accepted them.
    const lanes = new Map<string, number[]>();
    for (const { data } of bodies)
      lanes.set(`${data.source}/${data.lane}`, [...(lanes.get(`${data.source}/${data.lane}`) ?? []), data.n]);
    for (const sequence of lanes.values()) expect(sequence).toEqual([...sequence].sort((a, b) => a - b));

    // Arrivals are recorded and listed in delivery order, page by page.
    const listed: any[] = [];
    let cursor: string | undefined;
    do {
      const page = await conveyor.admin(
        'GET',
        `/v1/admin/destinations/${destination.id}/transmissions?limit=100${cursor ? `&cursor=${cursor}` : ''}`,
      );
      expect(page.status).toBe(200);
      listed.push(...page.body.items);
      cursor = page.body.cursor;
    } while (cursor);
    expect(listed.map((item) => item.id)).toEqual(bodies.map(({ meta }) => meta.transmissionId));
    expect(listed.map((item) => item.sequence)).toEqual(bodies.map((_, index) => index + 1));
    const arrivals = listed.map((item) => Date.parse(item.arrivedAt));
    expect(arrivals).toEqual([...arrivals].sort((a, b) => a - b));
  }

  // The message view rolls its transmissions up.
  const fannedOut = answers.find(({ payload }) => payload.source === 'ehr')!;
  const view = await conveyor.request('GET', `/v1/messages/${fannedOut.body.messageId}`, {
    headers: { authorization: `Bearer ${ehr.apiKey}` },
  });
  expect(view.status).toBe(200);
  expect(view.body).toMatchObject({ messageId: fannedOut.body.messageId, status: 'delivered' });
  expect(view.body.transmissions).toHaveLength(2);
  for (const transmission of view.body.transmissions) {
    expect(transmission).toMatchObject({
      status: 'delivered',
      attempts: 1,
      sequence: expect.any(Number),
      arrivedAt: expect.any(String),
    });
  }
  // Another organization's source cannot read it.
  const foreign = await conveyor.request('GET', `/v1/messages/${fannedOut.body.messageId}`, {
    headers: { authorization: `Bearer ${lis.apiKey}` },
  });
  expect(foreign).toMatchObject({ status: 404, body: { error: { code: 'message_not_found' } } });
});
