/**
 * `GET /v1/admin/transmissions/{id}` over real HTTP: a receiver that fails twice, answering 500
 * with a body, then accepts; the attempt log shows each attempt, newest last, with its status,
 * duration and the first 1,024 bytes of what the receiver answered. Unknown, malformed and badly
 * encoded ids answer 404. (The 50-attempt cap is unit-tested: reaching it here takes minutes.)
 */
import { startReceiver, type Receiver } from '../fixtures/receiver';
import { startTestConveyor, type TestConveyor, waitFor } from '../fixtures/conveyor';

jest.setTimeout(60_000);

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

// 1,023 bytes, then a two-byte character cut by the 1,024-byte limit.
const LONG_ANSWER = `${'x'.repeat(1023)}é and much more`;

it('logs two failed attempts and the delivering one, newest last, with statuses, durations and excerpts', async () => {
  const { source } = await conveyor.createRoute(receiver.url, 'Results');
  const answers = [
    { status: 500, body: LONG_ANSWER },
    { status: 500, body: 'still down' },
    { status: 200, body: '{"accepted":true}' },
  ];
  receiver.respond = () => answers.shift() ?? 200;

  const sent = await conveyor.send(source.apiKey, { meta: { dataModel: 'Results', eventType: 'New' }, data: {} });
  expect(sent.status).toBe(200);
  const transmissionId: string = sent.body.transmissions[0].id;
  const path = `/v1/admin/transmissions/${transmissionId}`;
  await waitFor(async () => (await conveyor.admin('GET', path)).body.status === 'delivered', 'the delivery');

  const { status, body } = await conveyor.admin('GET', path);

  expect(status).toBe(200);
  expect(body).toEqual({
    id: transmissionId,
    messageId: sent.body.messageId,
    destinationId: sent.body.transmissions[0].destinationId,
    status: 'delivered',
    sequence: 1,
    arrivedAt: expect.any(String),
    attempts: 3,
    attemptLog: [
      {
        at: expect.any(String),
        outcome: 'http_error',
        status: 500,
        durationMs: expect.any(Number),
        responseExcerpt: `${'x'.repeat(1023)}\uFFFD`,
      },
      {
        at: expect.any(String),
        outcome: 'http_error',
        status: 500,
        durationMs: expect.any(Number),
        responseExcerpt: 'still down',
      },
      {
        at: body.arrivedAt,
        outcome: 'delivered',
        status: 200,
        durationMs: expect.any(Number),
        responseExcerpt: '{"accepted":true}',
      },
    ],
  });
  const times = body.attemptLog.map((entry: { at: string }) => Date.parse(entry.at));
  expect([...times].sort((a, b) => a - b)).toEqual(times);
  expect(receiver.received).toHaveLength(3);
});

it.each([
  ['an unknown transmission', 'trn_01JD0000000000000000000000_0'],
  ['a malformed id', 'trn_nope'],
  ['a message id', 'msg_01JD0000000000000000000000'],
  ['a badly encoded id', '%ff'],
  ['a percent-encoded NUL', 'trn_%00'],
])('answers 404 transmission_not_found for %s', async (_case, id) => {
  const { status, body } = await conveyor.admin('GET', `/v1/admin/transmissions/${id}`);

  expect(status).toBe(404);
  expect(body.error.code).toBe('transmission_not_found');
});
