/**
 * `DELETE /v1/admin/destinations/{id}` over real HTTP on the stand-ins, in both fidelity modes:
 * refused while a paused destination's backlog waits, forced away (its queue and mapping gone, its
 * waiting transmissions read `cancelled` and roll up as skipped), and an empty destination deleted
 * without force. Afterwards the destination answers 404 and no message can name it.
 */
import { ListQueuesCommand } from '@aws-sdk/client-sqs';
import { startReceiver, type Receiver } from '../fixtures/receiver';
import { type HttpAnswer, startTestConveyor, type TestConveyor, waitFor } from '../fixtures/conveyor';

jest.setTimeout(120_000);

let conveyor: TestConveyor | undefined;
const receivers: Receiver[] = [];

afterEach(async () => {
  await conveyor?.stop();
  for (const receiver of receivers.splice(0)) await receiver.close();
  conveyor = undefined;
});

/** True while a queue of this destination is listed by the SQS stand-in. */
const queueExists = async (started: TestConveyor, destinationId: string) => {
  const listed = await started.local.clients.sqs.send(new ListQueuesCommand({}));
  return (listed.QueueUrls ?? []).some((url) => url.endsWith(`${destinationId}.fifo`));
};

/** True while the local control plane has a mapping for this destination's queue. */
const mappingExists = (started: TestConveyor, destinationId: string) =>
  started.local.mappings.controlPlane.snapshot().some((mapping) => mapping.queueArn.endsWith(`${destinationId}.fifo`));

/**
 * A DELETE, repeated while it answers 503 `deletion_incomplete` (with AWS fidelity a mapping
 * still changing state refuses its deletion for a few seconds; the contract says to repeat).
 */
const deleteUntilDone = async (started: TestConveyor, path: string): Promise<HttpAnswer> => {
  for (;;) {
    const answer = await started.admin('DELETE', path);
    if (answer.status !== 503) return answer;
    expect(answer.body.error.code).toBe('deletion_incomplete');
  }
};

it.each(['default', 'aws'] as const)(
  'refuses, then forces away a paused backlog, and deletes an empty destination (%s fidelity)',
  async (fidelity) => {
    const started = await startTestConveyor({
      CONVEYOR_LOCAL_FIDELITY: fidelity,
      PROBE_LADDER_SECONDS: '600',
      // The failing endpoint pauses its destination after its inline retries: keep them short.
      INLINE_RETRY_BACKOFF_MS: '10',
      INLINE_RETRY_CAP_MS: '10',
    });
    conveyor = started;
    const [healthy, failing] = [await startReceiver(), await startReceiver()];
    receivers.push(healthy, failing);
    failing.respond = () => 500;
    const organization = await started.createOrganization();
    const source = await started.createSource(organization.id);
    const kept = await started.createDestination(organization.id, healthy.url, 2000);
    const doomed = await started.createDestination(organization.id, failing.url, 2000);
    await started.subscribe(source.id, kept.id, 'Results');
    await started.subscribe(source.id, doomed.id, 'Results');
    const send = async (meta: Record<string, unknown> = {}) =>
      started.send(source.apiKey, { meta: { dataModel: 'Results', eventType: 'New', ...meta }, data: { n: 1 } });

    // Three messages to both; the failing endpoint pauses its destination on the first.
    const messages = [];
    for (let n = 0; n < 3; n++) {
      const answer = await send();
      expect(answer.status).toBe(200);
      messages.push(answer.body.messageId as string);
    }
    await waitFor(
      async () => (await started.admin('GET', `/v1/admin/destinations/${doomed.id}`)).body.status === 'paused',
      'the failing destination to pause',
    );
    await waitFor(() => healthy.received.filter((r) => r.status === 200).length === 3, 'the healthy deliveries');
    expect(await queueExists(started, doomed.id)).toBe(true);

    // Without force: refused, nothing changed. Wrong forms: 400 naming the parameter.
    const refused = await started.admin('DELETE', `/v1/admin/destinations/${doomed.id}`);
    expect(refused).toMatchObject({ status: 409, body: { error: { code: 'destination_not_empty' } } });
    for (const query of ['force=yes', 'cascade=true']) {
      const wrong = await started.admin('DELETE', `/v1/admin/destinations/${doomed.id}?${query}`);
      expect(wrong).toMatchObject({ status: 400, body: { error: { code: 'invalid_request' } } });
      expect(wrong.body.error.message).toContain(query.split('=')[0]);
    }
    expect((await started.admin('GET', `/v1/admin/destinations/${doomed.id}`)).body.status).toBe('paused');

    // Forced: 204 once its queue and mapping are gone.
    const attemptsBefore = failing.received.length;
    expect((await deleteUntilDone(started, `/v1/admin/destinations/${doomed.id}?force=true`)).status).toBe(204);
    expect(await queueExists(started, doomed.id)).toBe(false);
    expect(mappingExists(started, doomed.id)).toBe(false);

    // Its waiting transmissions read cancelled; each message rolls up as skipped (the rest delivered).
    for (const messageId of messages) {
      const read = await started.request('GET', `/v1/messages/${messageId}`, {
        headers: { authorization: `Bearer ${source.apiKey}` },
      });
      expect(read.status).toBe(200);
      const statusOf = (destinationId: string) =>
        read.body.transmissions.find((t: { destinationId: string }) => t.destinationId === destinationId).status;
      expect([statusOf(kept.id), statusOf(doomed.id), read.body.status]).toEqual(['delivered', 'cancelled', 'skipped']);
    }

    // 404 everywhere; no message can name it; routing by subscription goes to the other only.
    for (const [method, path] of [
      ['GET', `/v1/admin/destinations/${doomed.id}`],
      ['POST', `/v1/admin/destinations/${doomed.id}/resume`],
      ['POST', `/v1/admin/destinations/${doomed.id}/skip`],
      ['GET', `/v1/admin/destinations/${doomed.id}/transmissions`],
      ['DELETE', `/v1/admin/destinations/${doomed.id}`],
    ] as const) {
      expect(await started.admin(method, path)).toMatchObject({
        status: 404,
        body: { error: { code: 'destination_not_found' } },
      });
    }
    expect(await send({ destinations: [doomed.id] })).toMatchObject({
      status: 404,
      body: { error: { code: 'destination_not_found' } },
    });
    const routed = await send();
    expect(routed.status).toBe(200);
    expect(routed.body.transmissions.map((t: { destinationId: string }) => t.destinationId)).toEqual([kept.id]);
    await waitFor(() => healthy.received.filter((r) => r.status === 200).length === 4, 'the fourth delivery');
    // Nothing more was attempted at the deleted destination's endpoint.
    expect(failing.received.length).toBe(attemptsBefore);

    // The other destination, now empty, is deleted without force.
    await waitFor(
      async () => (await started.admin('GET', `/v1/admin/destinations/${kept.id}`)).body.queueDepth === 0,
      'the healthy queue to drain',
    );
    expect((await deleteUntilDone(started, `/v1/admin/destinations/${kept.id}`)).status).toBe(204);
    expect(await queueExists(started, kept.id)).toBe(false);
    expect(mappingExists(started, kept.id)).toBe(false);
    expect(await send()).toMatchObject({ status: 422, body: { error: { code: 'no_destination' } } });
  },
);
