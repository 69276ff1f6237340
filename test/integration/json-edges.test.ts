/**
 * Inline `data` at the edges of what the contract accepts, over real HTTP on the stand-ins: nested
 * exactly 64 levels itself (the body's object around it not counted) it is accepted and 65 is
 * refused naming `data`; U+FFFE and U+FFFF, legal JSON, raw or escaped, reach the receiver byte for
 * byte although a queue cannot carry them as they are.
 */
import { startTestConveyor, type TestConveyor, waitFor } from '../fixtures/conveyor';
import { accepted, type Receiver, startReceiver } from '../fixtures/receiver';

jest.setTimeout(120_000);

let conveyor: TestConveyor;
let receiver: Receiver;
let source: { id: string; apiKey: string };

beforeAll(async () => {
  conveyor = await startTestConveyor();
  receiver = await startReceiver();
  ({ source } = await conveyor.createRoute(receiver.url, 'PatientAdmin'));
});

afterAll(async () => {
  await conveyor?.stop();
  await receiver?.close();
});

const META = '{"dataModel":"PatientAdmin","eventType":"Arrival"}';
/** A raw body carrying `data` (its exact text), as bytes. */
const bodyWith = (data: string) => Buffer.from(`{"meta":${META},"data":${data}}`, 'utf8');
const post = (body: Buffer) =>
  conveyor.request('POST', '/v1/messages', {
    rawBody: body,
    headers: { authorization: `Bearer ${source.apiKey}`, 'content-type': 'application/json' },
  });
/** The bytes of `data` in a delivered body (`{"meta":{...},"data":<data>}`), and its message id. */
const deliveredData = (body: string) => ({
  messageId: JSON.parse(body.slice('{"meta":'.length, body.indexOf(',"data":'))).messageId as string,
  data: Buffer.from(body.slice(body.indexOf(',"data":') + ',"data":'.length, -1), 'utf8'),
});

it('accepts data nested exactly 64 levels and U+FFFE/U+FFFF raw or escaped, delivering each byte for byte; refuses 65 levels naming data', async () => {
  const sent = [
    // 64 levels: arrays, then objects whose innermost value is an array.
    `${'['.repeat(64)}"deep"${']'.repeat(64)}`,
    `${'{"a":'.repeat(63)}[1]${'}'.repeat(63)}`,
    // U+FFFE and U+FFFF as they are (UTF-8 EF BF BE, EF BF BF), then as JSON escapes.
    '{"s":"\uFFFE\uFFFF"}',
    '{"s":"\\uFFFE\\uFFFF"}',
  ];
  const messageIds: string[] = [];
  for (const data of sent) {
    const answer = await post(bodyWith(data));
    expect({ data: data.slice(0, 20), status: answer.status }).toEqual({ data: data.slice(0, 20), status: 200 });
    messageIds.push(answer.body.messageId);
  }
  const tooDeep = await post(bodyWith(`${'['.repeat(65)}"deep"${']'.repeat(65)}`));
  expect(tooDeep).toEqual({
    status: 400,
    body: { error: { code: 'invalid_request', message: 'data is nested deeper than 64 levels.' } },
  });
  // Sent after the refusal: arriving fifth, after the four accepted, proves the refused one was never enqueued.
  const sentinel = await post(bodyWith('{"sentinel":true}'));
  expect(sentinel.status).toBe(200);

  await waitFor(() => accepted(receiver).length >= 5, 'the five accepted messages');
  const delivered = accepted(receiver).map((delivery) => deliveredData(delivery.body));
  expect(delivered.map((delivery) => delivery.messageId)).toEqual([...messageIds, sentinel.body.messageId]);
  sent.forEach((data, index) => {
    expect(delivered[index]!.data.equals(Buffer.from(data, 'utf8'))).toBe(true);
  });
  // The raw characters arrived as themselves, not escaped or replaced.
  expect(delivered[2]!.data.includes(Buffer.from([0xef, 0xbf, 0xbe, 0xef, 0xbf, 0xbf]))).toBe(true);
  expect(JSON.parse(delivered[2]!.data.toString('utf8'))).toEqual(JSON.parse(delivered[3]!.data.toString('utf8')));
});
