/**
 * Endpoint verification over real HTTP on the stand-ins: a destination created with `verify: true`
 * is `unverified` until its endpoint echoes the challenge; what is routed to it meanwhile is
 * accepted and waits in its queue (never delivered), and is delivered in order once `POST …/verify`
 * succeeds. A new URL makes it unverified again. The deployment's default (`VERIFY_DESTINATIONS`)
 * and wrong inputs are checked too.
 */
import { Webhook } from 'standardwebhooks';
import { accepted, type Received, type Receiver, startReceiver } from '../fixtures/receiver';
import { startTestConveyor, type TestConveyor, waitFor } from '../fixtures/conveyor';

jest.setTimeout(120_000);

let conveyor: TestConveyor | undefined;
const receivers: Receiver[] = [];

afterEach(async () => {
  await conveyor?.stop();
  for (const receiver of receivers.splice(0)) await receiver.close();
  conveyor = undefined;
});

const isChallenge = (request: Received) => String(request.headers['webhook-id']).startsWith('verify_');

/** A receiver that echoes challenges while `echoing`, answers 404 to them otherwise, and 200 to deliveries. */
const challengeReceiver = async () => {
  const receiver = await startReceiver();
  receivers.push(receiver);
  const state = { echoing: false };
  receiver.respond = (request) => {
    if (!isChallenge(request)) return 200;
    if (!state.echoing) return 404;
    const { challenge } = JSON.parse(request.body) as { challenge: string };
    return { status: 200, body: JSON.stringify({ challenge }) };
  };
  return { receiver, state };
};

it('holds messages for an unverified destination and delivers them, in order, once its endpoint echoes the challenge', async () => {
  const started = await startTestConveyor({ VERIFY_DESTINATIONS: 'true' });
  conveyor = started;
  const { receiver, state } = await challengeReceiver();
  const organization = await started.createOrganization();
  const source = await started.createSource(organization.id);

  // Created with verification: the first challenge is answered 404, so it stays unverified.
  const created = await started.admin('POST', `/v1/admin/organizations/${organization.id}/destinations`, {
    name: 'Lab',
    url: receiver.url,
    timeoutMs: 2000,
    verify: true,
  });
  expect(created.status).toBe(201);
  expect(created.body).toMatchObject({
    verify: true,
    status: 'unverified',
    verification: { lastError: 'http_error 404' },
  });
  const destinationId = created.body.id as string;
  const signingSecret = created.body.signingSecret as string;
  // The challenge is signed like a delivery, with the destination's secret.
  const [challenge] = receiver.received.filter(isChallenge);
  expect(JSON.parse(challenge!.body)).toMatchObject({ type: 'conveyor.verification' });
  expect(() =>
    new Webhook(signingSecret).verify(challenge!.body, challenge!.headers as Record<string, string>),
  ).not.toThrow();
  await started.subscribe(source.id, destinationId, 'Results');

  // Messages routed to it are accepted and wait.
  const messageIds: string[] = [];
  for (let n = 1; n <= 3; n++) {
    const sent = await started.send(source.apiKey, { meta: { dataModel: 'Results', eventType: 'New' }, data: { n } });
    expect(sent.status).toBe(200);
    messageIds.push(sent.body.messageId as string);
  }
  // The reconciler disables the mapping the registration created enabled.
  await waitFor(
    () =>
      started.local.mappings.controlPlane
        .snapshot()
        .some((mapping) => mapping.queueArn.endsWith(`${destinationId}.fifo`) && mapping.state === 'Disabled'),
    'the unverified destination’s mapping to be disabled',
  );
  const waiting = await started.admin('GET', `/v1/admin/destinations/${destinationId}`);
  expect(waiting.body).toMatchObject({
    status: 'unverified',
    queueDepth: 3,
    verification: { lastError: 'http_error 404' },
  });
  expect(receiver.received.filter((request) => !isChallenge(request))).toEqual([]);
  const message = await started.request('GET', `/v1/messages/${messageIds[0]}`, {
    headers: { authorization: `Bearer ${source.apiKey}` },
  });
  expect(message.body.transmissions[0].status).toBe('queued');

  // Neither a failed challenge nor a resume makes it active.
  const failed = await started.admin('POST', `/v1/admin/destinations/${destinationId}/verify`);
  expect(failed.status).toBe(422);
  expect(failed.body.error.code).toBe('verification_failed');
  expect(failed.body.error.message).toContain('http_error 404');
  const resumed = await started.admin('POST', `/v1/admin/destinations/${destinationId}/resume`);
  expect(resumed.status).toBe(409);
  expect(resumed.body.error.code).toBe('unverified');

  // The endpoint echoes: active, and the waiting messages arrive in order.
  state.echoing = true;
  const verified = await started.admin('POST', `/v1/admin/destinations/${destinationId}/verify`);
  expect(verified.status).toBe(200);
  expect(verified.body).toMatchObject({ id: destinationId, status: 'active', verify: true });
  expect(verified.body.verification).toBeUndefined();
  await waitFor(
    () => accepted(receiver).filter((request) => !isChallenge(request)).length === 3,
    'the waiting messages',
  );
  const delivered = accepted(receiver)
    .filter((request) => !isChallenge(request))
    .map((request) => JSON.parse(request.body) as { meta: { messageId: string; sequence: number } });
  expect(delivered.map((body) => body.meta.messageId)).toEqual(messageIds);
  expect(delivered.map((body) => body.meta.sequence)).toEqual([1, 2, 3]);
  const again = await started.admin('POST', `/v1/admin/destinations/${destinationId}/verify`);
  expect(again.status).toBe(409);
  expect(again.body.error.code).toBe('not_unverified');

  // A change of name leaves it active; a new URL makes it unverified, and nothing goes there until verified.
  const renamed = await started.admin('PATCH', `/v1/admin/destinations/${destinationId}`, { name: 'Lab 2' });
  expect(renamed.body.status).toBe('active');
  const { receiver: moved, state: movedState } = await challengeReceiver();
  const patched = await started.admin('PATCH', `/v1/admin/destinations/${destinationId}`, { url: moved.url });
  expect(patched.status).toBe(200);
  expect(patched.body).toMatchObject({ url: moved.url, status: 'unverified' });
  const fourth = await started.send(source.apiKey, {
    meta: { dataModel: 'Results', eventType: 'New' },
    data: { n: 4 },
  });
  expect(fourth.status).toBe(200);
  await waitFor(
    async () => (await started.admin('GET', `/v1/admin/destinations/${destinationId}`)).body.queueDepth === 1,
    'the fourth message to wait in the queue',
  );
  expect(moved.received).toEqual([]);
  movedState.echoing = true;
  const reverified = await started.admin('POST', `/v1/admin/destinations/${destinationId}/verify`);
  expect(reverified.body.status).toBe('active');
  await waitFor(() => accepted(moved).filter((request) => !isChallenge(request)).length === 1, 'the fourth message');
  expect(receiver.received.filter((request) => !isChallenge(request))).toHaveLength(3);

  // The audit trail records each verification, failed or not.
  const audit = await started.admin('GET', `/v1/admin/audit?target=${destinationId}`);
  expect(audit.body.items.filter((entry: { action: string }) => entry.action === 'destination.verify')).toHaveLength(3);
});

it('verifies by the deployment default unless verify is false, and refuses wrong inputs naming the field', async () => {
  const started = await startTestConveyor({ VERIFY_DESTINATIONS: 'true' });
  conveyor = started;
  const { receiver } = await challengeReceiver();
  const organization = await started.createOrganization();
  const create = (body: Record<string, unknown>) =>
    started.admin('POST', `/v1/admin/organizations/${organization.id}/destinations`, {
      name: 'Lab',
      url: receiver.url,
      timeoutMs: 2000,
      ...body,
    });

  const byDefault = await create({});
  expect(byDefault.body).toMatchObject({ verify: true, status: 'unverified' });
  const without = await create({ verify: false });
  expect(without.body.status).toBe('active');
  expect(without.body.verify).toBeUndefined();

  for (const verify of ['yes', 1, null]) {
    const refused = await create({ verify });
    expect(refused.status).toBe(400);
    expect(refused.body.error.code).toBe('invalid_request');
    expect(refused.body.error.message).toContain('verify');
  }
  const patched = await started.admin('PATCH', `/v1/admin/destinations/${byDefault.body.id}`, { verify: false });
  expect(patched.status).toBe(400);
  expect(patched.body.error.message).toContain('verify');
  const notWaiting = await started.admin('POST', `/v1/admin/destinations/${without.body.id}/verify`);
  expect(notWaiting.status).toBe(409);
  expect(notWaiting.body.error.code).toBe('not_unverified');
  const unknown = await started.admin('POST', '/v1/admin/destinations/dst_01M7W659P0PJ3VHFG2JZB8M0XT/verify');
  expect(unknown.status).toBe(404);
  expect(unknown.body.error.code).toBe('destination_not_found');
  // Listed, and found by its status.
  const listed = await started.admin(
    'GET',
    `/v1/admin/destinations?organizationId=${organization.id}&status=unverified`,
  );
  expect(listed.body.items.map((item: { id: string }) => item.id)).toEqual([byDefault.body.id]);
});
