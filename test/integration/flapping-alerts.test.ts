/**
 * A receiver that fails three requests in four for a while, on the stand-ins: every message it is
 * sent pauses the destination (three attempts fail) and a probe resumes it (the fourth succeeds).
 * With the settling time shortened to 3 s and "more than 1 episode in an hour" as unstable, its
 * organization gets one Paused email, one Resumed email once the first episode settled, one
 * Unstable email for the second episode, and nothing more however often it keeps pausing and
 * resuming. The test waits for states (emails in the inbox, deliveries, an empty outbox), never
 * for a time to pass. In both fidelity modes (the aws one loses answers to the pause and resume
 * transactions, which must recognise their own writes).
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoOutbox } from '../../lambdas/shared/adapters/dynamodb/outbox';
import { LOCAL_TABLE_NAME } from '../../local/local-config';
import { EMAIL_WAIT_MS, startTestConveyor, type TestConveyor, waitFor } from '../fixtures/conveyor';
import { accepted, type Receiver, startReceiver } from '../fixtures/receiver';

jest.setTimeout(300_000);

interface Email {
  readonly subject: string;
  readonly destination: { readonly to: string[] };
  readonly body: { readonly text?: string };
}

let conveyor: TestConveyor | undefined;
let receiver: Receiver | undefined;

afterEach(async () => {
  await conveyor?.stop();
  await receiver?.close();
  conveyor = undefined;
  receiver = undefined;
});

// Messages sent while it flaps, after the first two (one episode each, waited for): fewer in the
// aws mode, whose mapping changes take seconds each way, so each run stays near a minute.
it.each([
  ['default', 8],
  ['aws', 3],
] as const)(
  'sends at most one Paused, one Resumed and one Unstable email for a destination that flaps (%s fidelity)',
  async (fidelity, flappingMessages) => {
    const started = await startTestConveyor({
      CONVEYOR_LOCAL_FIDELITY: fidelity,
      PROBE_LADDER_SECONDS: '1',
      PAUSE_RELEASE_SECONDS: '1',
      INLINE_RETRY_BACKOFF_MS: '50',
      INLINE_RETRY_CAP_MS: '100',
      ALERT_SETTLING_SECONDS: '3',
      // More than one episode in the (default) hour is unstable: the second episode is the Unstable one.
      ALERT_FLAPPING_EPISODES: '1',
    });
    conveyor = started;
    const receiving = await startReceiver();
    receiver = receiving;
    // Three requests in four fail: the three attempts of a delivery (inline retries 2), then the probe succeeds.
    let requests = 0;
    let flapping = true;
    receiving.respond = () => (flapping && ++requests % 4 !== 0 ? 503 : 200);
    const { source, destination } = await started.createRoute(receiving.url, 'Results');
    let sent = 0;
    const send = async () => {
      const answer = await started.send(source.apiKey, {
        meta: { dataModel: 'Results', eventType: 'New' },
        data: { n: sent++ },
      });
      expect(answer.status).toBe(200);
    };
    const inbox = async () =>
      ((await (await fetch(`${started.local.sesUrl}/store`)).json()) as { emails: Email[] }).emails.filter((email) =>
        email.body.text?.includes(destination.id),
      );
    const kinds = async () => (await inbox()).map((email) => /^\[Conveyor\] (\w+): /.exec(email.subject)?.[1]);
    const delivered = () => new Set(accepted(receiving).map((entry) => entry.headers['webhook-id'])).size;

    // The first episode: Paused; resumed by the probe; Resumed once it stayed active for the settling time.
    await send();
    await waitFor(async () => (await kinds()).includes('Paused'), 'the Paused email', EMAIL_WAIT_MS);
    await waitFor(() => delivered() === 1, 'the first message, by the probe');
    await waitFor(async () => (await kinds()).includes('Resumed'), 'the Resumed email, once settled', EMAIL_WAIT_MS);
    expect(await kinds()).toEqual(['Paused', 'Resumed']);

    // The second episode starts after the first settled: the Unstable email instead of a Paused one.
    await send();
    await waitFor(async () => (await kinds()).includes('Unstable'), 'the Unstable email', EMAIL_WAIT_MS);

    // It keeps flapping: pauses within the settling time continue an episode, the others start
    // quiet ones; no email either way.
    for (let n = 0; n < flappingMessages; n++) await send();
    await waitFor(() => delivered() === sent, 'every message through the flapping', 90_000);
    flapping = false;
    await waitFor(
      async () => (await started.admin('GET', `/v1/admin/destinations/${destination.id}`)).body.status === 'active',
      'the destination active',
    );
    // Nothing left to send about it: every alert written was sent (a sender removes an email only once SES took it).
    const outbox = new DynamoOutbox(
      DynamoDBDocumentClient.from(new DynamoDBClient({ endpoint: started.local.dynamoDbUrl })),
      LOCAL_TABLE_NAME,
      () => new Date(),
    );
    await waitFor(
      async () => (await outbox.list()).every((email) => email.destinationId !== destination.id),
      'the outbox empty of its alerts',
    );

    const emails = await inbox();
    expect(emails.map((email) => email.subject)).toEqual([
      '[Conveyor] Paused: Test destination',
      '[Conveyor] Resumed: Test destination',
      '[Conveyor] Unstable: Test destination',
    ]);
    // To the destination's organization (a 503 is its endpoint's fault), naming the count and the last reason.
    for (const email of emails) expect(email.destination.to).toEqual(['alerts@example.org']);
    expect(emails[2]!.body.text).toContain('2 pause episodes started in the last 60 minutes (more than 1)');
    expect(emails[2]!.body.text).toContain('Last reason: HTTP 503');

    // Every 503 followed by a 200 is a probe that resumed a pause.
    const statuses = receiving.received.map((entry) => entry.status);
    const pauses = statuses.filter((status, index) => status === 200 && statuses[index - 1] === 503).length;
    // It did flap: most messages paused it (an answer lost in the aws mode can shift the pattern by a request).
    expect(pauses).toBeGreaterThanOrEqual(sent / 2);
    console.log(
      JSON.stringify({
        fidelity: started.local.fidelity.mode,
        seed: started.local.fidelity.seed,
        messages: sent,
        requests: receiving.received.length,
        failedRequests: statuses.filter((status) => status === 503).length,
        pauses,
        alerts: emails.length,
      }),
    );
  },
);
