/**
 * An active destination whose receiver is slower than the inflow, on the stand-ins with the
 * retention shortened to the minimum SQS allows (60 s) and entries treated as nearing it once 3 s
 * old (as in long-pause.test.ts). Nothing fails: the prober sees the age of the queue's oldest
 * entry, pauses the destination for its backlog (one alert, to its own organization), the aging
 * entries move to the spill in order, and everything arrives in order, byte for byte, with
 * contiguous sequence numbers; then the destination is active again. In both fidelity modes.
 * fauxqs never expires a message, so this shows the move and the order, not a loss averted.
 */
import { createHash } from 'node:crypto';
import { BACKLOG_PAUSE_REASON } from '../../lambdas/shared/pauses/backlog-pause';
import { accepted, startReceiver, type Receiver } from '../fixtures/receiver';
import { EMAIL_WAIT_MS, startTestConveyor, type TestConveyor, waitFor } from '../fixtures/conveyor';

jest.setTimeout(360_000);

let conveyor: TestConveyor | undefined;
let receiver: Receiver | undefined;

afterEach(async () => {
  await conveyor?.stop();
  await receiver?.close();
  conveyor = undefined;
  receiver = undefined;
});

interface Email {
  readonly subject: string;
  readonly destination: { readonly to: string[] };
  readonly body: { readonly text?: string };
}

// Both fidelity modes: the stand-ins as they are, and as AWS behaves at its worst (batches of up to
// 10, mapping changes that lag, writes applied with their answers lost).
it.each(['default', 'aws'] as const)(
  "moves an active destination's aging backlog to the spill and delivers everything in order, byte for byte (%s fidelity)",
  async (fidelity) => {
    const started = await startTestConveyor({
      QUEUE_RETENTION_SECONDS: '60',
      SPILL_AFTER_SECONDS: '3',
      PROBE_LADDER_SECONDS: '1',
      CONVEYOR_LOCAL_FIDELITY: fidelity,
    });
    conveyor = started;
    const receiving = await startReceiver();
    receiver = receiving;
    // Healthy but slow: every answer is a 200, after most of a second.
    receiving.respond = () => ({ status: 200, delayMs: 700 });
    const { organization, source, destination } = await started.createRoute(receiving.url, 'Results');
    const send = async (n: number) => {
      // Data the receiver must get exactly as sent: escapes, a number beyond 2^53, non-ASCII text.
      const data = `{"n":${n},"mrn":12345678901234567890,"note":"caf\\u00e9 ✓ \\"quoted\\"","value":1.0}`;
      const answer = await started.request('POST', '/v1/messages', {
        rawBody: `{"meta":{"dataModel":"Results","eventType":"New"},"data":${data}}`,
        headers: { authorization: `Bearer ${source.apiKey}`, 'content-type': 'application/json' },
      });
      expect(answer.status).toBe(200);
      return {
        messageId: answer.body.messageId as string,
        transmissionId: answer.body.transmissions[0].id as string,
        data,
      };
    };
    const describe = async () => (await started.admin('GET', `/v1/admin/destinations/${destination.id}`)).body;

    // A burst the receiver needs many seconds to work through: its oldest entries pass the 3 s
    // "retention" mark. More than a batch: the batch in hand when the pause lands is delivered to its
    // end (as on AWS), and what waits behind it is what the spill must take.
    const burst = [];
    for (let n = 0; n < 25; n++) burst.push(await send(n));
    await waitFor(async () => (await describe()).status === 'paused', 'the pause for the backlog', 30_000);
    const paused = await describe();
    expect(paused.pauseReason).toContain(BACKLOG_PAUSE_REASON);
    expect(paused.fault).toBe('destination');
    await waitFor(async () => ((await describe()).spilled ?? 0) > 0, 'the aging entries to move to the spill', 30_000);

    // Newer messages queue behind the spill.
    const newer = [];
    for (let n = 25; n < 28; n++) newer.push(await send(n));

    const expected = [...burst, ...newer];
    await waitFor(
      () => new Set(accepted(receiving).map((entry) => entry.headers['webhook-id'])).size === expected.length,
      'every message',
      90_000,
    );
    await waitFor(async () => (await describe()).status === 'active', 'the destination to resume', 30_000);

    // Nothing failed on the way: every request the receiver saw, it answered 200.
    expect(receiving.received.every((entry) => entry.status === 200)).toBe(true);
    const delivered = accepted(receiving);
    // At least once: a repeat carries the same webhook-id and sequence; the first arrivals are in queue order.
    const firstArrivals = delivered.filter(
      (entry, index) =>
        delivered.findIndex((other) => other.headers['webhook-id'] === entry.headers['webhook-id']) === index,
    );
    expect(firstArrivals.map((entry) => entry.headers['webhook-id'])).toEqual(
      expected.map((entry) => entry.transmissionId),
    );
    for (const repeat of delivered.filter((entry) => !firstArrivals.includes(entry))) {
      const first = firstArrivals.find((entry) => entry.headers['webhook-id'] === repeat.headers['webhook-id'])!;
      expect(repeat.headers['conveyor-sequence']).toBe(first.headers['conveyor-sequence']);
    }
    const digest = (text: string) => createHash('sha256').update(text).digest('hex');
    expect(firstArrivals.map((entry) => digest(entry.body.slice(entry.body.indexOf(',"data":') + 8, -1)))).toEqual(
      expected.map((entry) => digest(entry.data)),
    );
    // Contiguous: nothing was skipped, so 1, 2, 3, ... whichever path (mapping, spill, probe) delivered each.
    expect(firstArrivals.map((entry) => Number(entry.headers['conveyor-sequence']))).toEqual(
      expected.map((_, index) => index + 1),
    );

    const final = await describe();
    expect(final).toMatchObject({ status: 'active', queueDepth: 0 });
    expect(final.spilled).toBeUndefined();
    // Every transmission reads delivered, the head the pause named included.
    for (const { messageId } of expected) {
      const view = await started.request('GET', `/v1/messages/${messageId}`, {
        headers: { authorization: `Bearer ${source.apiKey}` },
      });
      expect(view.body.transmissions).toEqual([expect.objectContaining({ status: 'delivered' })]);
    }
    // Each episode: one Paused then one Resumed email, to the destination's organization. With a 3 s
    // "retention", entries that wait for a mapping being turned back on (seconds, in the aws mode)
    // can age past it again: a second backlog episode is right (one within the settling time of the
    // resume continues the first), so the count is not fixed. The Resumed email goes once the
    // destination has stayed active for the settling time (10 s locally): wait for it.
    const emailsAbout = async () =>
      ((await (await fetch(`${started.local.sesUrl}/store`)).json()) as { emails: Email[] }).emails.filter((email) =>
        email.body.text?.includes(destination.id),
      );
    await waitFor(
      async () => (await emailsAbout()).at(-1)?.subject.startsWith('[Conveyor] Resumed: ') === true,
      'the Resumed email, once the destination settled',
      EMAIL_WAIT_MS,
    );
    const aboutThisDestination = await emailsAbout();
    expect(aboutThisDestination.length).toBeGreaterThanOrEqual(2);
    aboutThisDestination.forEach((email, index) => {
      const kind = index % 2 === 0 ? 'Paused' : 'Resumed';
      expect([email.subject, email.destination.to]).toEqual([
        `[Conveyor] ${kind}: Test destination`,
        ['alerts@example.org'],
      ]);
    });
    expect(aboutThisDestination.length % 2).toBe(0);
    expect(organization.id).toBe(final.organizationId);
  },
);
