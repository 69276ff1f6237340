/**
 * Contract v1.1: a body of up to 3,000,000 bytes is taken inline and delivered byte for byte; past
 * it, 413 `payload_too_large` names the upload route and nothing is enqueued. Entries that would
 * make a delivery batch too large for one Lambda invocation (over ~546 KB escaped, see
 * size-limits.ts) go to the payload store (S3; fauxqs locally) and the queue carries a reference:
 * the receiver gets the same bytes either way. Skip and replay work for them as for any other.
 */
import { createHash } from 'node:crypto';
import { accepted, startReceiver, type Receiver } from '../fixtures/receiver';
import { startTestConveyor, type TestConveyor, waitFor } from '../fixtures/conveyor';

jest.setTimeout(180_000);

let conveyor: TestConveyor;
const receivers: Receiver[] = [];

afterAll(async () => {
  await conveyor?.stop();
  await Promise.all(receivers.map((receiver) => receiver.close()));
});

const digest = (text: string) => createHash('sha256').update(text).digest('hex');
/** The `data` of a delivered body, as text (compared by digest: a failure must not print megabytes). */
const deliveredData = (body: string) => body.slice(body.indexOf(',"data":') + ',"data":'.length, -1);
const deliveredMeta = (body: string) => JSON.parse(body.slice('{"meta":'.length, body.indexOf(',"data":')));
/** Raw JSON for `data` of about `bytes` bytes, with characters that must survive exactly. */
const bigData = (bytes: number, tag: string) =>
  `{"tag":"${tag}","note":"Ünïcödé 😀 \\u00e9 1.0","filler":"${'x'.repeat(bytes)}","n":1.50}`;
const raw = (data: string) => `{"meta":{"dataModel":"Imaging","eventType":"Report"},"data":${data}}`;
/** The filler length that makes `raw(bigData(filler, tag))` exactly `bodyBytes` long. */
const bodyFiller = (bodyBytes: number, tag: string) => bodyBytes - Buffer.byteLength(raw(bigData(0, tag)));

it('delivers bodies of up to 3,000,000 bytes byte for byte, to every destination, and refuses one byte more', async () => {
  conveyor = await startTestConveyor({ PROBE_LADDER_SECONDS: '1' });
  const [first, second] = [await startReceiver(), await startReceiver()];
  receivers.push(first, second);
  const organization = await conveyor.createOrganization();
  const source = await conveyor.createSource(organization.id);
  for (const receiver of [first, second])
    await conveyor.subscribe(
      source.id,
      (await conveyor.createDestination(organization.id, receiver.url)).id,
      'Imaging',
    );
  const post = (body: string) =>
    conveyor.request('POST', '/v1/messages', {
      rawBody: body,
      headers: { authorization: `Bearer ${source.apiKey}`, 'content-type': 'application/json' },
    });

  // `overThreshold` fits a queue message but goes through the payload store: ten would not fit one delivery invocation.
  const sizes = {
    small: 1000,
    overThreshold: 600_000,
    justOver: 1024 * 1024,
    large: 2_900_000,
    largest: bodyFiller(3_000_000, 'largest'),
  };
  const sent = new Map<string, string>();
  const send = async (tag: string, data: string) => {
    const answer = await post(raw(data));
    expect({ tag, status: answer.status }).toEqual({ tag, status: 200 });
    sent.set(answer.body.messageId, data);
  };
  for (const [tag, bytes] of Object.entries(sizes)) await send(tag, bigData(bytes, tag));
  expect(Buffer.byteLength(raw(bigData(sizes.largest, 'largest')))).toBe(3_000_000);
  // Under the inline threshold as it is (400,000 bytes), over it once escaped: through the payload store.
  await send('quotes', `{"quotes":"${'\\"'.repeat(200_000)}"}`);

  const tooLargeBody = raw(bigData(bodyFiller(3_000_001, 'tooLarge'), 'tooLarge'));
  expect(Buffer.byteLength(tooLargeBody)).toBe(3_000_001);
  const tooLarge = await post(tooLargeBody);
  expect(tooLarge).toMatchObject({ status: 413, body: { error: { code: 'payload_too_large' } } });
  expect(tooLarge.body.error.message).toContain('POST /v1/uploads');
  expect(tooLarge.body.error.message).toContain('dataUpload');
  // Delivered after anything enqueued before it: when it arrives last, the refused body was not enqueued.
  await send('after', bigData(10, 'after'));

  for (const receiver of [first, second]) {
    await waitFor(() => accepted(receiver).length >= sent.size, 'every payload', 120_000);
    const got = accepted(receiver).map((delivery) => [
      deliveredMeta(delivery.body).messageId,
      digest(deliveredData(delivery.body)),
    ]);
    expect(got).toEqual([...sent].map(([messageId, data]) => [messageId, digest(data)]));
  }
});

it('skips and replays a large payload like any other', async () => {
  const receiver = await startReceiver();
  receivers.push(receiver);
  receiver.respond = () => 400;
  const organization = await conveyor.createOrganization();
  const source = await conveyor.createSource(organization.id);
  const destination = await conveyor.createDestination(organization.id, receiver.url);
  await conveyor.subscribe(source.id, destination.id, 'Imaging');
  const data = bigData(2 * 1024 * 1024, 'replayed');
  const answer = await conveyor.request('POST', '/v1/messages', {
    rawBody: raw(data),
    headers: { authorization: `Bearer ${source.apiKey}`, 'content-type': 'application/json' },
  });
  expect(answer.status).toBe(200);
  await waitFor(
    async () => (await conveyor.admin('GET', `/v1/admin/destinations/${destination.id}`)).body.status === 'paused',
    'the pause',
  );

  const skip = await conveyor.admin('POST', `/v1/admin/destinations/${destination.id}/skip`);
  expect(skip).toMatchObject({ status: 200, body: { skippedTransmissionId: answer.body.transmissions[0].id } });
  receiver.respond = () => 200;
  expect(
    (await conveyor.admin('POST', `/v1/admin/transmissions/${skip.body.skippedTransmissionId}/replay`)).status,
  ).toBe(200);

  await waitFor(() => accepted(receiver).length >= 1, 'the replay');
  expect(digest(deliveredData(accepted(receiver)[0]!.body))).toBe(digest(data));
});
