/**
 * `POST /v1/admin/destinations/{id}/redeliver` over real HTTP against the stand-ins: a range of 200
 * deliveries sent again in order, with their transmission ids and new contiguous sequence numbers
 * after the original ones, while new messages keep flowing; the admin call enqueues for at most
 * 1 ms here, so the prober enqueues the rest page by page. A range beyond the payload retention,
 * every wrong form, and a deployment that keeps no payloads (retention 0).
 */
import { HeadObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { LOCAL_CLIENT_IDENTITY } from '../../local/stand-ins';
import { accepted, type Received, type Receiver, startReceiver } from '../fixtures/receiver';
import { startTestConveyor, type TestConveyor, waitFor } from '../fixtures/conveyor';

jest.setTimeout(240_000);

const s3Of = (conveyor: TestConveyor) =>
  new S3Client({ endpoint: conveyor.local.sqsUrl, forcePathStyle: true, ...LOCAL_CLIENT_IDENTITY });

const delivery = (received: Received) => ({
  webhookId: received.headers['webhook-id'] as string,
  sequence: Number(received.headers['conveyor-sequence']),
  data: JSON.parse(received.body).data as { n: number; note?: string },
});

/** Sends messages n = from … to − 1, one after another (each answered before the next is sent). */
const sendRange = async (conveyor: TestConveyor, apiKey: string, from: number, to: number, dataModel = 'Results') => {
  const transmissionIds: string[] = [];
  for (let n = from; n < to; n++) {
    const sent = await conveyor.send(apiKey, {
      meta: { dataModel, eventType: 'New' },
      // Characters a queue may refuse as they are (emoji, escapes) must come back byte for byte.
      data: { n, note: n % 7 === 0 ? 'Zoë 🧪 "quoted" \\ done' : undefined },
    });
    if (sent.status !== 200) throw new Error(`Message ${n} answered ${sent.status}`);
    transmissionIds.push(sent.body.transmissions[0].id);
  }
  return transmissionIds;
};

/** Waits until the transmission's delivery is recorded (its arrival time is then in the past). */
const waitForRecorded = (conveyor: TestConveyor, transmissionId: string, timeoutMs?: number) =>
  waitFor(
    async () => (await conveyor.admin('GET', `/v1/admin/transmissions/${transmissionId}`)).body.status === 'delivered',
    `transmission ${transmissionId} to be recorded delivered`,
    timeoutMs,
  );

describe('with payloads kept (the default 7 days)', () => {
  let conveyor: TestConveyor;
  let receiver: Receiver;

  beforeAll(async () => {
    conveyor = await startTestConveyor({ REDELIVERY_ADMIN_BUDGET_MS: '1' });
    receiver = await startReceiver();
  });

  afterAll(async () => {
    await conveyor?.stop();
    await receiver?.close();
  });

  it('enqueues the 200 transmissions of a range again, in order, after what was delivered, while new ones keep flowing', async () => {
    const { source, destination } = await conveyor.createRoute(receiver.url, 'Results');
    const before = await sendRange(conveyor, source.apiKey, 0, 10);
    // A delivery's arrival time is recorded after the receiver's answer: the range starts once the
    // last one before it is recorded (a millisecond later), not when the receiver has it.
    await waitForRecorded(conveyor, before.at(-1)!);
    const since = new Date(Date.now() + 1).toISOString();
    const inRange = await sendRange(conveyor, source.apiKey, 10, 210);
    await waitForRecorded(conveyor, inRange.at(-1)!, 120_000);
    const until = new Date(Date.now() + 1).toISOString();
    await sendRange(conveyor, source.apiKey, 210, 220);
    await waitFor(() => accepted(receiver).length === 220, 'the 10 after the range');
    const originals = accepted(receiver).map(delivery);

    const asked = await conveyor.admin('POST', `/v1/admin/destinations/${destination.id}/redeliver`, {
      since,
      until,
      reason: 'The lab restored Tuesday’s backup.',
    });
    expect(asked).toEqual({ status: 202, body: { count: 200 } });
    // New messages keep flowing while the prober enqueues the rest of the range.
    await sendRange(conveyor, source.apiKey, 220, 240);
    await waitFor(() => accepted(receiver).length === 440, 'the redelivered 200 and the 20 new ones', 120_000);

    const all = accepted(receiver).map(delivery);
    // Every delivery's sequence number is the next one: contiguous from 1, redeliveries included.
    expect(all.map((entry) => entry.sequence)).toEqual(all.map((_, index) => index + 1));
    const redelivered = all.slice(220).filter((entry) => inRange.includes(entry.webhookId));
    expect(redelivered.map((entry) => entry.webhookId)).toEqual(inRange);
    expect(redelivered.map((entry) => entry.data)).toEqual(originals.slice(10, 210).map((entry) => entry.data));
    expect(Math.min(...redelivered.map((entry) => entry.sequence))).toBeGreaterThan(220);
    // The new messages came through too, in their own order.
    expect(
      all
        .slice(220)
        .filter((entry) => !inRange.includes(entry.webhookId))
        .map((entry) => entry.data.n),
    ).toEqual(Array.from({ length: 20 }, (_, index) => 220 + index));

    const transmission = await conveyor.admin('GET', `/v1/admin/transmissions/${inRange[0]}`);
    expect(transmission.body).toMatchObject({ status: 'delivered', sequence: redelivered[0]!.sequence });
    const audit = await conveyor.admin('GET', `/v1/admin/audit?target=${destination.id}`);
    expect(audit.body.items).toContainEqual(
      expect.objectContaining({ action: 'destination.redeliver', reason: 'The lab restored Tuesday’s backup.' }),
    );
  });

  it('keeps each delivered payload in the payload bucket, under retained/', async () => {
    const { source } = await conveyor.createRoute(receiver.url, 'Kept');
    const sent = await conveyor.send(source.apiKey, { meta: { dataModel: 'Kept', eventType: 'New' }, data: { a: 1 } });
    await waitFor(
      async () =>
        (
          await conveyor.request('GET', `/v1/messages/${sent.body.messageId}`, {
            headers: { authorization: `Bearer ${source.apiKey}` },
          })
        ).body.status === 'delivered',
      'the delivery',
    );
    const s3 = s3Of(conveyor);
    // The delivery is recorded before its payload is kept (the batch awaits it before it ends).
    await waitFor(async () => {
      try {
        await s3.send(
          new HeadObjectCommand({
            Bucket: conveyor.local.config.store.payloadBucket,
            Key: `retained/${sent.body.messageId}`,
          }),
        );
        return true;
      } catch {
        return false;
      }
    }, 'the kept payload');
    s3.destroy();
  });

  it('answers 409 payload_expired for a range beyond the retention, and enqueues nothing', async () => {
    const { source, destination } = await conveyor.createRoute(receiver.url, 'Old');
    const [transmissionId] = await sendRange(conveyor, source.apiKey, 0, 1, 'Old');
    await waitFor(
      async () =>
        (await conveyor.admin('GET', `/v1/admin/transmissions/${transmissionId}`)).body.status === 'delivered',
      'the delivery',
    );
    const eightDaysAgo = new Date(Date.now() - 8 * 24 * 3600 * 1000).toISOString();

    const answer = await conveyor.admin('POST', `/v1/admin/destinations/${destination.id}/redeliver`, {
      since: eightDaysAgo,
      until: new Date(Date.now() + 60_000).toISOString(),
    });

    expect(answer.status).toBe(409);
    expect(answer.body.error.code).toBe('payload_expired');
    expect(answer.body.error.message).toMatch(/kept 7 days: since must be at or after/);
    expect((await conveyor.admin('GET', `/v1/admin/transmissions/${transmissionId}`)).body.status).toBe('delivered');
    expect((await conveyor.admin('GET', `/v1/admin/destinations/${destination.id}`)).body.queueDepth).toBe(0);
    const audit = await conveyor.admin('GET', `/v1/admin/audit?target=${destination.id}`);
    expect(audit.body.items.map((item: { action: string }) => item.action)).not.toContain('destination.redeliver');
  });

  it('answers 202 with count 0 for a range with no arrivals', async () => {
    const { destination } = await conveyor.createRoute(receiver.url, 'Empty');
    const answer = await conveyor.admin('POST', `/v1/admin/destinations/${destination.id}/redeliver`, {
      since: new Date(Date.now() - 3600_000).toISOString(),
      until: new Date().toISOString(),
    });
    expect(answer).toEqual({ status: 202, body: { count: 0 } });
  });

  it.each([
    [{}, 'since is required.'],
    [{ since: '2026-11-30T10:00:00Z' }, 'until is required.'],
    [{ since: 'yesterday', until: '2026-11-30T10:00:00Z' }, 'since must be an ISO 8601 time'],
    [{ since: 12, until: '2026-11-30T10:00:00Z' }, 'since must be a string.'],
    [{ since: '2026-11-30T10:00:00Z', until: '2026-13-45T10:00:00Z' }, 'until must be an ISO 8601 time'],
    [{ since: '2026-11-30T10:00:00Z', until: '2026-11-30T10:00:00Z' }, 'until must be after since.'],
    [{ since: '2026-11-30T11:00:00Z', until: '2026-11-30T10:00:00Z' }, 'until must be after since.'],
    [
      { since: '2026-11-30T10:00:00Z', until: '2026-11-30T11:00:00Z', reason: 'x'.repeat(501) },
      'reason must be at most 500 characters.',
    ],
    [{ since: '2026-11-30T10:00:00Z', until: '2026-11-30T11:00:00Z', reason: '' }, 'reason must not be empty.'],
    [{ since: '2026-11-30T10:00:00Z', until: '2026-11-30T11:00:00Z', from: 1 }, 'from is not a known field.'],
    [[], 'The body must be a JSON object.'],
  ])('answers 400 naming the field for %j', async (body, message) => {
    const { destination } = await conveyor.createRoute(receiver.url, 'Wrong');
    const answer = await conveyor.admin('POST', `/v1/admin/destinations/${destination.id}/redeliver`, body);
    expect(answer.status).toBe(400);
    expect(answer.body.error.code).toBe('invalid_request');
    expect(answer.body.error.message).toContain(message);
  });

  it('answers 400 invalid_json for a body that is not JSON, and 404 for an unknown destination first', async () => {
    const { destination } = await conveyor.createRoute(receiver.url, 'Junk');
    const junk = await conveyor.request('POST', `/v1/admin/destinations/${destination.id}/redeliver`, {
      rawBody: '{"since":',
      headers: { authorization: `Bearer ${conveyor.local.adminToken}`, 'content-type': 'application/json' },
    });
    expect(junk.status).toBe(400);
    expect(junk.body.error.code).toBe('invalid_json');
    const unknown = await conveyor.admin('POST', '/v1/admin/destinations/dst_01JD0000000000000000000000/redeliver', {});
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.code).toBe('destination_not_found');
  });
});

describe('with no payloads kept (retention 0)', () => {
  let conveyor: TestConveyor;
  let receiver: Receiver;

  beforeAll(async () => {
    conveyor = await startTestConveyor({ PAYLOAD_RETENTION_DAYS: '0' });
    receiver = await startReceiver();
  });

  afterAll(async () => {
    await conveyor?.stop();
    await receiver?.close();
  });

  it('keeps nothing after delivery, and refuses every redelivery', async () => {
    const { source, destination } = await conveyor.createRoute(receiver.url, 'Results');
    const since = new Date().toISOString();
    const [transmissionId] = await sendRange(conveyor, source.apiKey, 0, 3);
    await waitFor(() => accepted(receiver).length === 3, 'the deliveries');
    await waitFor(
      async () =>
        (await conveyor.admin('GET', `/v1/admin/transmissions/${transmissionId}`)).body.status === 'delivered',
      'the delivery to be recorded',
    );
    // Its batch is over (the entries left the queue): anything it would keep is written by now.
    await waitFor(
      async () => (await conveyor.admin('GET', `/v1/admin/destinations/${destination.id}`)).body.queueDepth === 0,
      'the batch to end',
    );

    const answer = await conveyor.admin('POST', `/v1/admin/destinations/${destination.id}/redeliver`, {
      since,
      until: new Date().toISOString(),
    });

    expect(answer.status).toBe(409);
    expect(answer.body.error).toEqual({
      code: 'payload_expired',
      message: 'This deployment keeps no delivered payloads (payload retention 0 days); nothing was enqueued.',
    });
    const s3 = s3Of(conveyor);
    const listed = await s3.send(
      new ListObjectsV2Command({ Bucket: conveyor.local.config.store.payloadBucket, Prefix: 'retained/' }),
    );
    s3.destroy();
    expect(listed.KeyCount ?? 0).toBe(0);
  });
});
