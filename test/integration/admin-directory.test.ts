/**
 * The v1.1 directory routes over real HTTP on the stand-ins: listings paged across pages, every
 * wrong form answered 4xx, paused destinations oldest pause first, a deleted source's key refused
 * at once, a URL changed on a paused destination used by the resume, and the audit trail.
 */
import { accepted, type Receiver, startReceiver } from '../fixtures/receiver';
import { type HttpAnswer, startTestConveyor, type TestConveyor, waitFor } from '../fixtures/conveyor';

jest.setTimeout(120_000);

let conveyor: TestConveyor;
let failing: Receiver;
let working: Receiver;

beforeAll(async () => {
  // A long ladder: paused destinations stay paused until the test resumes them.
  conveyor = await startTestConveyor({ PROBE_LADDER_SECONDS: '600' });
  failing = await startReceiver();
  failing.respond = () => 500;
  working = await startReceiver();
});

const cleanUp: Array<() => Promise<void>> = [];

afterAll(async () => {
  for (const step of cleanUp) await step();
  await conveyor?.stop();
  await failing?.close();
  await working?.close();
});

const expectError = (answer: HttpAnswer, status: number, code: string, naming?: string) => {
  expect({ status: answer.status, code: answer.body?.error?.code }).toEqual({ status, code });
  if (naming !== undefined) expect(answer.body.error.message).toContain(naming);
};

/** Every item of a listing, page by page at `limit`, with the number of pages read. */
const listAll = async (path: string, limit: number) => {
  const items: any[] = [];
  let pages = 0;
  let cursor: string | undefined;
  do {
    const separator = path.includes('?') ? '&' : '?';
    const page = await conveyor.admin(
      'GET',
      `${path}${separator}limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
    );
    expect(page.status).toBe(200);
    items.push(...page.body.items);
    cursor = page.body.cursor;
    pages++;
  } while (cursor !== undefined);
  return { items, pages };
};

const message = (n: number) => ({ meta: { dataModel: 'Results', eventType: 'New' }, data: { n } });

const createDestination = async (organizationId: string, url: string) => {
  const answer = await conveyor.admin('POST', `/v1/admin/organizations/${organizationId}/destinations`, {
    name: 'Lab',
    url,
    inlineRetries: 0,
  });
  expect(answer.status).toBe(201);
  return answer.body as { id: string };
};

const describeDestination = async (id: string) => (await conveyor.admin('GET', `/v1/admin/destinations/${id}`)).body;

it('lists, reads and changes organizations, page by page, refusing every wrong form', async () => {
  const created = [];
  for (let n = 0; n < 3; n++) created.push(await conveyor.createOrganization(`Organization ${n}`));
  const { items, pages } = await listAll('/v1/admin/organizations', 2);
  expect(pages).toBeGreaterThanOrEqual(2);
  expect(items.map((item) => item.id)).toEqual(expect.arrayContaining(created.map((o) => o.id)));
  expect(new Set(items.map((item) => item.id)).size).toBe(items.length);

  const [first] = created;
  const path = `/v1/admin/organizations/${first!.id}`;
  expect((await conveyor.admin('GET', path)).body).toEqual({
    id: first!.id,
    name: 'Organization 0',
    alertEmail: 'alerts@example.org',
    createdAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
  });
  const patched = await conveyor.admin('PATCH', path, { name: 'Renamed' });
  expect(patched).toEqual({
    status: 200,
    body: { id: first!.id, name: 'Renamed', alertEmail: 'alerts@example.org', createdAt: expect.any(String) },
  });
  expectError(await conveyor.admin('PATCH', path, {}), 400, 'invalid_request', 'at least one field');
  expectError(await conveyor.admin('PATCH', path, { colour: 'red' }), 400, 'invalid_request', 'colour');
  expectError(await conveyor.admin('PATCH', path, { alertEmail: 'nope' }), 400, 'invalid_request', 'alertEmail');
  expectError(await conveyor.admin('GET', '/v1/admin/organizations/org_unknown'), 404, 'organization_not_found');
  expectError(
    await conveyor.admin('PATCH', '/v1/admin/organizations/org_unknown', { name: 'x' }),
    404,
    'organization_not_found',
  );
  expectError(await conveyor.admin('GET', '/v1/admin/organizations?limit=0'), 400, 'invalid_request', 'limit');
  expectError(await conveyor.admin('GET', '/v1/admin/organizations?limit=101'), 400, 'invalid_request', 'limit');
  expectError(await conveyor.admin('GET', '/v1/admin/organizations?cursor=zzz'), 400, 'invalid_request', 'cursor');
  expectError(await conveyor.admin('GET', '/v1/admin/organizations?colour=red'), 400, 'invalid_request', 'colour');
  // A cursor of another listing is refused.
  const sources = await conveyor.admin('GET', '/v1/admin/organizations?limit=1');
  expectError(
    await conveyor.admin('GET', `/v1/admin/subscriptions?cursor=${sources.body.cursor}`),
    400,
    'invalid_request',
    'cursor',
  );
});

it('deletes a source: its key is refused on the very next request, its subscriptions are gone', async () => {
  const organization = await conveyor.createOrganization();
  const destination = await createDestination(organization.id, working.url);
  const source = await conveyor.createSource(organization.id);
  const kept = await conveyor.createSource(organization.id);
  const subscription = await conveyor.subscribe(source.id, destination.id, 'Results');
  await conveyor.subscribe(kept.id, destination.id, 'Results');
  // The key was used (a warm ingest would have it at hand).
  expect((await conveyor.send(source.apiKey, message(0))).status).toBe(200);

  const listed = await conveyor.admin('GET', `/v1/admin/organizations/${organization.id}/sources`);
  expect(listed.status).toBe(200);
  expect(listed.body.items.map((item: any) => item.id).sort()).toEqual([source.id, kept.id].sort());
  expect(JSON.stringify(listed.body)).not.toMatch(/apiKey|KeyHash/);

  expect((await conveyor.admin('DELETE', `/v1/admin/sources/${source.id}`)).status).toBe(204);
  expectError(await conveyor.send(source.apiKey, message(1)), 401, 'unauthorized');
  expect((await conveyor.send(kept.apiKey, message(2))).status).toBe(200);
  const remaining = await conveyor.admin('GET', `/v1/admin/subscriptions?destinationId=${destination.id}`);
  expect(remaining.body.items.map((item: any) => item.sourceId)).toEqual([kept.id]);
  expectError(
    await conveyor.admin('DELETE', `/v1/admin/subscriptions/${subscription.id}`),
    404,
    'subscription_not_found',
  );
  expectError(await conveyor.admin('DELETE', `/v1/admin/sources/${source.id}`), 404, 'source_not_found');
  expectError(await conveyor.admin('DELETE', '/v1/admin/sources/src_nope'), 404, 'source_not_found');
  expectError(await conveyor.admin('GET', '/v1/admin/organizations/org_nope/sources'), 404, 'organization_not_found');
});

it('lists and deletes subscriptions, by source and destination, page by page', async () => {
  const organization = await conveyor.createOrganization();
  const destination = await createDestination(organization.id, working.url);
  const source = await conveyor.createSource(organization.id);
  const created = [];
  for (const model of ['A', 'B', 'C']) created.push(await conveyor.subscribe(source.id, destination.id, model));

  const bySource = await listAll(`/v1/admin/subscriptions?sourceId=${source.id}`, 2);
  expect(bySource.items.map((item) => item.id)).toEqual(created.map((s) => s.id));
  expect(bySource.items[0]).toMatchObject({ sourceId: source.id, destinationId: destination.id, dataModel: 'A' });
  const byBoth = await listAll(`/v1/admin/subscriptions?sourceId=${source.id}&destinationId=${destination.id}`, 2);
  expect(byBoth.items).toHaveLength(3);

  expect((await conveyor.admin('DELETE', `/v1/admin/subscriptions/${created[0]!.id}`)).status).toBe(204);
  const after = await listAll(`/v1/admin/subscriptions?destinationId=${destination.id}`, 100);
  expect(after.items.map((item) => item.id)).toEqual(created.slice(1).map((s) => s.id));
  // Routing stops using it at once: the source's model A has no subscription left.
  expectError(
    await conveyor.send(source.apiKey, { meta: { dataModel: 'A', eventType: 'New' }, data: {} }),
    422,
    'no_destination',
  );
  expectError(
    await conveyor.admin('DELETE', `/v1/admin/subscriptions/${created[0]!.id}`),
    404,
    'subscription_not_found',
  );
  expectError(await conveyor.admin('DELETE', '/v1/admin/subscriptions/nope'), 404, 'subscription_not_found');
  expectError(await conveyor.admin('GET', '/v1/admin/subscriptions?sourceId=nope'), 400, 'invalid_request', 'sourceId');
  expectError(
    await conveyor.admin('GET', '/v1/admin/subscriptions?destinationId=nope'),
    400,
    'invalid_request',
    'destinationId',
  );
});

it('creates a subscription once: of equal requests at the same moment one is created, the others answer 409 naming it', async () => {
  const organization = await conveyor.createOrganization();
  const destination = await createDestination(organization.id, working.url);
  const source = await conveyor.createSource(organization.id);
  const terms = { sourceId: source.id, destinationId: destination.id, dataModel: 'Results', eventType: 'Final' };

  const answers = await Promise.all(
    Array.from({ length: 8 }, () => conveyor.admin('POST', '/v1/admin/subscriptions', terms)),
  );

  const created = answers.filter((answer) => answer.status === 201);
  expect(created).toHaveLength(1);
  const id = created[0]!.body.id as string;
  for (const answer of answers.filter((other) => other.status !== 201)) {
    expectError(answer, 409, 'subscription_exists', id);
  }
  const listed = await conveyor.admin('GET', `/v1/admin/subscriptions?sourceId=${source.id}`);
  expect(listed.body.items.map((item: any) => item.id)).toEqual([id]);
  // Other terms are other subscriptions: without eventType, or another dataModel.
  const { eventType: _eventType, ...anyEvent } = terms;
  expect((await conveyor.admin('POST', '/v1/admin/subscriptions', anyEvent)).status).toBe(201);
  expect((await conveyor.admin('POST', '/v1/admin/subscriptions', { ...terms, dataModel: 'Orders' })).status).toBe(201);
  expectError(await conveyor.admin('POST', '/v1/admin/subscriptions', anyEvent), 409, 'subscription_exists');
  // Deleted, the same terms can be subscribed again.
  expect((await conveyor.admin('DELETE', `/v1/admin/subscriptions/${id}`)).status).toBe(204);
  const again = await conveyor.admin('POST', '/v1/admin/subscriptions', terms);
  expect(again.status).toBe(201);
  expect(again.body.id).not.toBe(id);
});

it('lists paused destinations oldest pause first; a URL changed while paused is used by the resume, in order', async () => {
  const organization = await conveyor.createOrganization();
  const source = await conveyor.createSource(organization.id);
  const first = await createDestination(organization.id, failing.url);
  const second = await createDestination(organization.id, failing.url);
  const active = await createDestination(organization.id, working.url);
  await conveyor.subscribe(source.id, first.id, 'First');
  await conveyor.subscribe(source.id, second.id, 'Second');
  const send = (dataModel: string, n: number) =>
    conveyor.send(source.apiKey, { meta: { dataModel, eventType: 'New' }, data: { n } });

  // The first pauses before the second does.
  expect((await send('First', 1)).status).toBe(200);
  await waitFor(async () => (await describeDestination(first.id)).status === 'paused', 'the first pause');
  expect((await send('Second', 1)).status).toBe(200);
  await waitFor(async () => (await describeDestination(second.id)).status === 'paused', 'the second pause');

  const paused = await conveyor.admin('GET', `/v1/admin/destinations?organizationId=${organization.id}&status=paused`);
  expect(paused.status).toBe(200);
  expect(paused.body.items.map((item: any) => item.id)).toEqual([first.id, second.id]);
  expect(paused.body.items[0]).toEqual({
    id: first.id,
    organizationId: organization.id,
    name: 'Lab',
    url: failing.url,
    status: 'paused',
    pausedAt: expect.any(String),
    pauseReason: expect.any(String),
  });
  const onePage = await listAll(`/v1/admin/destinations?organizationId=${organization.id}&status=paused`, 1);
  expect(onePage.items.map((item) => item.id)).toEqual([first.id, second.id]);
  const activeOnes = await conveyor.admin(
    'GET',
    `/v1/admin/destinations?organizationId=${organization.id}&status=active`,
  );
  expect(activeOnes.body.items.map((item: any) => item.id)).toEqual([active.id]);
  const all = await listAll(`/v1/admin/destinations?organizationId=${organization.id}`, 2);
  expect(all.items.map((item) => item.id).sort()).toEqual([first.id, second.id, active.id].sort());
  expectError(await conveyor.admin('GET', '/v1/admin/destinations?status=gone'), 400, 'invalid_request', 'status');
  expectError(
    await conveyor.admin('GET', '/v1/admin/destinations?organizationId=org_nope'),
    404,
    'organization_not_found',
  );

  // Wrong changes change nothing.
  const path = `/v1/admin/destinations/${first.id}`;
  expectError(await conveyor.admin('PATCH', path, {}), 400, 'invalid_request');
  expectError(await conveyor.admin('PATCH', path, { colour: 'red' }), 400, 'invalid_request', 'colour');
  expectError(await conveyor.admin('PATCH', path, { timeoutMs: 5 }), 400, 'invalid_request', 'timeoutMs');
  expectError(await conveyor.admin('PATCH', path, { inlineRetries: 9 }), 400, 'invalid_request', 'inlineRetries');
  expectError(
    await conveyor.admin('PATCH', path, { url: 'http://169.254.169.254/latest' }),
    400,
    'invalid_request',
    'url',
  );
  expectError(
    await conveyor.admin('PATCH', '/v1/admin/destinations/dst_nope', { name: 'x' }),
    404,
    'destination_not_found',
  );

  // More behind the head, then the fix: the URL (a receiver of its own), then resume.
  const fixed = await startReceiver();
  cleanUp.push(() => fixed.close());
  expect((await send('First', 2)).status).toBe(200);
  expect((await send('First', 3)).status).toBe(200);
  const patched = await conveyor.admin('PATCH', path, { url: fixed.url, timeoutMs: 5000 });
  expect(patched.status).toBe(200);
  expect(patched.body).toMatchObject({ id: first.id, url: fixed.url, timeoutMs: 5000, status: 'paused' });
  // The head that failed stays hidden a few seconds (PAUSE_RELEASE_SECONDS); until it shows, a
  // resume finds nothing to retry and the destination stays paused: resume until it is active.
  await waitFor(async () => {
    const resumed = await conveyor.admin('POST', `${path}/resume`);
    expect(resumed.status).toBe(200);
    if (resumed.body.status === 'active') return true;
    await new Promise((resolve) => setTimeout(resolve, 500));
    return false;
  }, 'the resume');
  const deliveredTo = () => accepted(fixed).map((delivery) => JSON.parse(delivery.body).data.n);
  await waitFor(() => deliveredTo().length >= 3, 'the three messages at the new URL');
  expect(deliveredTo()).toEqual([1, 2, 3]);
  expect((await describeDestination(first.id)).status).toBe('active');

  // The second is skipped with a reason, which only the audit trail keeps.
  const skip = `/v1/admin/destinations/${second.id}/skip`;
  expectError(await conveyor.admin('POST', skip, { reason: 'x'.repeat(501) }), 400, 'invalid_request', 'reason');
  expectError(await conveyor.admin('POST', skip, { reason: 7 }), 400, 'invalid_request', 'reason');
  expect((await conveyor.admin('POST', skip, { reason: 'poison message, see ticket 42' })).status).toBe(200);
  const audited = await conveyor.admin('GET', `/v1/admin/audit?target=${second.id}`);
  expect(audited.body.items.map(({ action, reason }: any) => ({ action, reason }))).toEqual([
    { action: 'destination.skip', reason: 'poison message, see ticket 42' },
    { action: 'destination.create', reason: undefined },
  ]);
});

it('records every admin write in the audit trail, with actor local-admin, filtered by target and time', async () => {
  const started = new Date().toISOString();
  const organization = await conveyor.createOrganization();
  await conveyor.admin('PATCH', `/v1/admin/organizations/${organization.id}`, { name: 'Audited' });
  const source = await conveyor.createSource(organization.id);
  await conveyor.admin('POST', `/v1/admin/sources/${source.id}/keys`);
  await conveyor.admin('DELETE', `/v1/admin/sources/${source.id}`);
  // A refused write is not recorded.
  await conveyor.admin('PATCH', `/v1/admin/organizations/${organization.id}`, {});

  const byTarget = await conveyor.admin('GET', `/v1/admin/audit?target=${organization.id}`);
  expect(byTarget.body.items).toEqual([
    { at: expect.any(String), actor: 'local-admin', action: 'organization.update', target: organization.id },
    { at: expect.any(String), actor: 'local-admin', action: 'organization.create', target: organization.id },
  ]);
  const { items } = await listAll(`/v1/admin/audit?since=${encodeURIComponent(started)}`, 2);
  const mine = items.filter((item) => [organization.id, source.id].includes(item.target));
  expect(mine.map((item) => item.action)).toEqual([
    'source.delete',
    'source.rotate_key',
    'source.create',
    'organization.update',
    'organization.create',
  ]);
  const times = items.map((item) => item.at);
  expect([...times].sort().reverse()).toEqual(times);
  const future = new Date(Date.now() + 60_000).toISOString();
  expect((await conveyor.admin('GET', `/v1/admin/audit?since=${future}`)).body).toEqual({ items: [] });

  expectError(await conveyor.admin('GET', '/v1/admin/audit?since=yesterday'), 400, 'invalid_request', 'since');
  expectError(await conveyor.admin('GET', '/v1/admin/audit?until=2026-13-01'), 400, 'invalid_request', 'until');
  expectError(
    await conveyor.admin('GET', `/v1/admin/audit?since=${future}&until=${encodeURIComponent(started)}`),
    400,
    'invalid_request',
    'since',
  );
  expectError(await conveyor.admin('GET', '/v1/admin/audit?target=a%20b'), 400, 'invalid_request', 'target');
  expectError(await conveyor.admin('GET', '/v1/admin/audit?who=me'), 400, 'invalid_request', 'who');
});
