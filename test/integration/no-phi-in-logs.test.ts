/**
 * Payloads carry protected health information: it may be in the queue, the table and the
 * destination, nowhere else. Messages carrying a marker string go through every path that logs,
 * counts or emails — acceptance, delivery, refusals and a pause with its alerts, skip and replay,
 * bad input, reading the message back — with logs at DEBUG and metrics on; the marker must appear
 * in no log line, no metric and no email. The receiver's answers carry a marker of their own in
 * their bodies (refusals, a 503 and the 2xx ones): the attempt log keeps them, and
 * `GET /v1/admin/transmissions/{id}` shows them, but no log line, metric or email does.
 */
import { randomUUID } from 'node:crypto';
import { interceptOutput } from '../fixtures/output';
import { accepted, startReceiver, type Receiver } from '../fixtures/receiver';
import { EMAIL_WAIT_MS, startTestConveyor, type TestConveyor, waitFor } from '../fixtures/conveyor';

jest.setTimeout(240_000);

const MARKER = `PHI-MARKER-${randomUUID()}`;
/** What the receiver answers: an endpoint's answer may echo PHI too. */
const ANSWER_MARKER = `ANSWER-MARKER-${randomUUID()}`;
const answer = (status: number) => ({ status, body: `${status} ${ANSWER_MARKER} for Jane Doe` });
const output: string[] = [];
let intercepted: { restore: () => void } | undefined;

let conveyor: TestConveyor;
let receiver: Receiver;

beforeAll(() => {
  // Everything the functions write (Powertools logs and embedded-format metrics go to stdout/stderr).
  intercepted = interceptOutput((text) => {
    output.push(text);
    return true;
  });
});

afterAll(async () => {
  await conveyor?.stop();
  await receiver?.close();
  intercepted?.restore();
});

it('keeps the payload out of every log line, metric and email', async () => {
  conveyor = await startTestConveyor({
    POWERTOOLS_LOG_LEVEL: 'DEBUG',
    POWERTOOLS_METRICS_DISABLED: 'false',
    PROBE_LADDER_SECONDS: '1',
    INLINE_RETRY_BACKOFF_MS: '50',
    INLINE_RETRY_CAP_MS: '100',
  });
  receiver = await startReceiver();
  const organization = await conveyor.createOrganization();
  const source = await conveyor.createSource(organization.id);
  const destination = await conveyor.createDestination(organization.id, receiver.url, 2000);
  await conveyor.subscribe(source.id, destination.id, 'PatientAdmin');
  const message = (n: number) => ({
    meta: { dataModel: 'PatientAdmin', eventType: 'Admit' },
    data: { n, patient: { name: MARKER, mrn: MARKER, note: `${MARKER} ${'x'.repeat(200)}` } },
  });

  // A refusal (sender's fault), its pause and alert, then recovery by an operator.
  receiver.respond = () => answer(400);
  const first = await conveyor.send(source.apiKey, message(1), { 'idempotency-key': randomUUID() });
  expect(first.status).toBe(200);
  await waitFor(
    async () => (await conveyor.admin('GET', `/v1/admin/destinations/${destination.id}`)).body.status === 'paused',
    'the pause',
  );
  // A second one waits behind the paused head; then the head is skipped, and replayed later. The
  // head stays refused until the skip is done: were it accepted first, the prober's next probe
  // could resume the destination before the skip, which would then find nothing to skip.
  expect((await conveyor.send(source.apiKey, message(2))).status).toBe(200);
  receiver.respond = (request) => answer(JSON.parse(request.body).data.n === 1 ? 400 : 200);
  const skip = await conveyor.admin('POST', `/v1/admin/destinations/${destination.id}/skip`);
  expect(skip.status).toBe(200);
  receiver.respond = () => answer(200);
  await waitFor(() => accepted(receiver).length >= 1, 'the message behind the skipped head');
  expect(
    (await conveyor.admin('POST', `/v1/admin/transmissions/${skip.body.skippedTransmissionId}/replay`)).status,
  ).toBe(200);
  await waitFor(() => accepted(receiver).length >= 2, 'the replay');

  // A transient failure retried in place, and a message read back.
  let failures = 1;
  receiver.respond = () => answer(failures-- > 0 ? 503 : 200);
  const third = await conveyor.send(source.apiKey, message(3));
  await waitFor(() => accepted(receiver).length >= 3, 'the retried delivery');
  expect(
    (
      await conveyor.request('GET', `/v1/messages/${third.body.messageId}`, {
        headers: { authorization: `Bearer ${source.apiKey}` },
      })
    ).status,
  ).toBe(200);

  // Bad input carrying the marker in every place it could be echoed.
  const refused = [
    await conveyor.request('POST', '/v1/messages', {
      rawBody: `{"meta":{"dataModel":"PatientAdmin","eventType":"Admit"},"data":{"name":"${MARKER}"`,
      headers: { authorization: `Bearer ${source.apiKey}`, 'content-type': 'application/json' },
    }),
    await conveyor.send(source.apiKey, {
      meta: { dataModel: 'PatientAdmin', eventType: 'Admit', destinations: [MARKER] },
      data: { name: MARKER },
    }),
    await conveyor.send(source.apiKey, { meta: { dataModel: MARKER, eventType: 'Admit' }, data: { name: MARKER } }),
    await conveyor.send(source.apiKey, {
      meta: { dataModel: 'PatientAdmin', eventType: 'Admit' },
      data: MARKER,
      extra: MARKER,
    }),
    await conveyor.send(`${MARKER.replace(/-/g, '')}`, message(4)),
  ];
  expect(refused.map((answer) => Math.floor(answer.status / 100))).toEqual([4, 4, 4, 4, 4]);

  // The answers' bodies are in the attempt logs, shown by the admin route: the 400 refusals of the
  // replayed head, then its delivery; the 503 retried in place, then its delivery. (Read before the
  // output is checked, so a route that logged its answer would be caught.)
  const excerptsOf = async (transmissionId: string) => {
    const path = `/v1/admin/transmissions/${transmissionId}`;
    await waitFor(async () => (await conveyor.admin('GET', path)).body.status === 'delivered', 'the delivery recorded');
    const detail = await conveyor.admin('GET', path);
    return detail.body.attemptLog.map((entry: { outcome: string; responseExcerpt?: string }) => [
      entry.outcome,
      entry.responseExcerpt,
    ]);
  };
  const replayed = await excerptsOf(skip.body.skippedTransmissionId);
  expect(replayed[0]).toEqual(['http_error', `400 ${ANSWER_MARKER} for Jane Doe`]);
  expect(replayed.at(-1)).toEqual(['delivered', `200 ${ANSWER_MARKER} for Jane Doe`]);
  expect(await excerptsOf(third.body.transmissions[0].id)).toEqual([
    ['http_error', `503 ${ANSWER_MARKER} for Jane Doe`],
    ['delivered', `200 ${ANSWER_MARKER} for Jane Doe`],
  ]);

  const sentEmails = async () =>
    (
      (await (await fetch(`${conveyor.local.sesUrl}/store`)).json()) as {
        emails: Array<{ subject: string; body: { text?: string; html?: string } }>;
      }
    ).emails;
  // The Resumed email goes once the destination has stayed active for the settling time (10 s locally).
  await waitFor(
    async () => (await sentEmails()).some((email) => email.subject.startsWith('[Conveyor] Resumed')),
    'the Resumed email, once settled',
    EMAIL_WAIT_MS,
  );
  const emails = await sentEmails();
  const written = output.join('');
  // The test can't pass on silence: logs, metrics and both alerts were really produced.
  expect(written).toContain('"message":"Delivered"');
  expect(written).toContain('"CloudWatchMetrics"');
  expect(emails.map((email) => email.subject)).toEqual(
    expect.arrayContaining([
      expect.stringMatching(/^\[Conveyor\] Paused/),
      expect.stringMatching(/^\[Conveyor\] Resumed/),
    ]),
  );
  // The payload did travel: the receiver has it.
  expect(accepted(receiver).some((delivery) => delivery.body.includes(MARKER))).toBe(true);

  expect(written.includes(MARKER)).toBe(false);
  expect(JSON.stringify(emails).includes(MARKER)).toBe(false);
  expect(written.includes(ANSWER_MARKER)).toBe(false);
  expect(JSON.stringify(emails).includes(ANSWER_MARKER)).toBe(false);
});
