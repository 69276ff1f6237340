/**
 * Tenants stay apart and keys can be replaced without a gap: a source reads only its own
 * organization's messages and sends only where its subscriptions allow; a rotated key keeps
 * working for its grace period and is refused after it, while the new key works at once.
 */
import { accepted, startReceiver, type Receiver } from '../fixtures/receiver';
import { startTestConveyor, type TestConveyor, waitFor } from '../fixtures/conveyor';

jest.setTimeout(120_000);

let conveyor: TestConveyor;
let receiver: Receiver;

beforeAll(async () => {
  // A short cache, so a replaced key's end is visible within the test (deployed: 30 s).
  conveyor = await startTestConveyor({ INGEST_CACHE_TTL_MS: '300' });
  receiver = await startReceiver();
});

afterAll(async () => {
  await conveyor?.stop();
  await receiver?.close();
});

const message = (meta: Record<string, unknown> = {}) => ({
  meta: { dataModel: 'Results', eventType: 'New', ...meta },
  data: { n: 1 },
});
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('tenant isolation', () => {
  it("keeps each organization's messages and destinations to itself", async () => {
    const [hospital, lab, other] = [
      await conveyor.createOrganization('Hospital'),
      await conveyor.createOrganization('Lab'),
      await conveyor.createOrganization('Other'),
    ];
    const ehr = await conveyor.createSource(hospital.id);
    const intruder = await conveyor.createSource(other.id);
    const labInbox = await conveyor.createDestination(lab.id, receiver.url);
    const hospitalInbox = await conveyor.createDestination(hospital.id, receiver.url);
    await conveyor.subscribe(ehr.id, labInbox.id, 'Results');

    const sent = await conveyor.send(ehr.apiKey, message());
    expect(sent.status).toBe(200);

    // Another organization's source can neither read the message nor learn that it exists.
    const read = await conveyor.request('GET', `/v1/messages/${sent.body.messageId}`, {
      headers: { authorization: `Bearer ${intruder.apiKey}` },
    });
    expect(read).toMatchObject({ status: 404, body: { error: { code: 'message_not_found' } } });
    // Nor send to destinations it has no subscription to, its own organization's or another's.
    for (const destinationId of [labInbox.id, hospitalInbox.id]) {
      const refused = await conveyor.send(intruder.apiKey, message({ destinations: [destinationId] }));
      expect(refused).toMatchObject({ status: 403, body: { error: { code: 'destination_not_allowed' } } });
    }
    // Without subscriptions it reaches nobody at all.
    expect(await conveyor.send(intruder.apiKey, message())).toMatchObject({
      status: 422,
      body: { error: { code: 'no_destination' } },
    });
    // And the sender itself cannot reach past its subscriptions either.
    expect(await conveyor.send(ehr.apiKey, message({ destinations: [hospitalInbox.id] }))).toMatchObject({
      status: 403,
    });

    await waitFor(() => accepted(receiver).length >= 1, 'the one allowed delivery');
    await sleep(500);
    expect(accepted(receiver).map((delivery) => JSON.parse(delivery.body).meta.messageId)).toEqual([
      sent.body.messageId,
    ]);
  });

  it('refuses admin references to objects that do not exist', async () => {
    const organization = await conveyor.createOrganization();
    const source = await conveyor.createSource(organization.id);
    const unknownOrganization = 'org_01J00000000000000000000000';
    expect(
      await conveyor.admin('POST', `/v1/admin/organizations/${unknownOrganization}/sources`, { name: 'x' }),
    ).toMatchObject({ status: 404, body: { error: { code: 'organization_not_found' } } });
    const subscription = await conveyor.admin('POST', '/v1/admin/subscriptions', {
      sourceId: source.id,
      destinationId: 'dst_01J00000000000000000000000',
      dataModel: 'Results',
    });
    expect(subscription).toMatchObject({ status: 404, body: { error: { code: 'destination_not_found' } } });
  });
});

describe('API key rotation', () => {
  it('issues a new key that works at once, keeps the old one for its grace period, then refuses it', async () => {
    const organization = await conveyor.createOrganization();
    const source = await conveyor.createSource(organization.id);
    const destination = await conveyor.createDestination(organization.id, receiver.url);
    await conveyor.subscribe(source.id, destination.id, 'Results');
    expect((await conveyor.send(source.apiKey, message())).status).toBe(200);

    const rotated = await conveyor.admin('POST', `/v1/admin/sources/${source.id}/keys`, { graceSeconds: 2 });
    expect(rotated).toMatchObject({
      status: 201,
      body: { sourceId: source.id, apiKey: expect.any(String), previousKeyValidUntil: expect.any(String) },
    });
    const newKey = rotated.body.apiKey as string;
    expect(newKey).not.toBe(source.apiKey);

    expect((await conveyor.send(newKey, message())).status).toBe(200);
    expect((await conveyor.send(source.apiKey, message())).status).toBe(200);

    await sleep(Date.parse(rotated.body.previousKeyValidUntil) - Date.now() + 500);
    const expired = await conveyor.send(source.apiKey, message());
    expect(expired).toMatchObject({
      status: 401,
      body: { error: { code: 'unauthorized', message: expect.stringContaining('replaced') } },
    });
    expect((await conveyor.send(newKey, message())).status).toBe(200);
    // Reading messages follows the same keys.
    const read = await conveyor.request(
      'GET',
      `/v1/messages/${(await conveyor.send(newKey, message())).body.messageId}`,
      { headers: { authorization: `Bearer ${source.apiKey}` } },
    );
    expect(read.status).toBe(401);
  });

  it('stops the old key at once with a grace of 0, and keeps each older key on its own deadline', async () => {
    const organization = await conveyor.createOrganization();
    const source = await conveyor.createSource(organization.id);
    const destination = await conveyor.createDestination(organization.id, receiver.url);
    await conveyor.subscribe(source.id, destination.id, 'Results');

    const second = (await conveyor.admin('POST', `/v1/admin/sources/${source.id}/keys`, { graceSeconds: 3600 })).body
      .apiKey as string;
    const third = (await conveyor.admin('POST', `/v1/admin/sources/${source.id}/keys`, { graceSeconds: 0 })).body
      .apiKey as string;
    await sleep(400);

    expect((await conveyor.send(third, message())).status).toBe(200);
    expect((await conveyor.send(second, message())).status).toBe(401);
    // The first key was given an hour when the second replaced it.
    expect((await conveyor.send(source.apiKey, message())).status).toBe(200);
  });

  it('rotates with the default grace when there is no body, and refuses bad requests with a named field', async () => {
    const organization = await conveyor.createOrganization();
    const source = await conveyor.createSource(organization.id);
    const rotated = await conveyor.request('POST', `/v1/admin/sources/${source.id}/keys`, {
      headers: { authorization: `Bearer ${conveyor.local.adminToken}` },
    });
    expect(rotated.status).toBe(201);
    expect(Date.parse(rotated.body.previousKeyValidUntil) - Date.now()).toBeGreaterThan(23 * 3600 * 1000);

    for (const graceSeconds of [-1, 1.5, '60', 31 * 86_400]) {
      const refused = await conveyor.admin('POST', `/v1/admin/sources/${source.id}/keys`, { graceSeconds });
      expect(refused).toMatchObject({
        status: 400,
        body: { error: { code: 'invalid_request', message: expect.stringContaining('graceSeconds') } },
      });
    }
    expect(
      await conveyor.admin('POST', `/v1/admin/sources/${source.id}/keys`, { graceSeconds: 1, extra: true }),
    ).toMatchObject({ status: 400 });
    expect(await conveyor.admin('POST', '/v1/admin/sources/src_01J00000000000000000000000/keys', {})).toMatchObject({
      status: 404,
      body: { error: { code: 'source_not_found' } },
    });
    expect(await conveyor.admin('POST', '/v1/admin/sources/nope/keys', {})).toMatchObject({
      status: 404,
      body: { error: { code: 'source_not_found' } },
    });
  });
});
