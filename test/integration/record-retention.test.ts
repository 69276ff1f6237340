/**
 * The TTLs of a message's records on DynamoDB Local, through the real handlers over HTTP: the
 * arrival entries from their arrival, the message item and its transmissions' own items once no
 * transmission waits (each delivered or skipped), and never before (a string while a transmission
 * waits, which TTL ignores; none on an own item); a skipped transmission's parked entry from its skip.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { startTestConveyor, type TestConveyor, waitFor } from '../fixtures/conveyor';
import { type Receiver, startReceiver } from '../fixtures/receiver';

jest.setTimeout(180_000);

const RETENTION_DAYS = 30;
const DAY = 24 * 60 * 60;

let conveyor: TestConveyor;
let documents: DynamoDBDocumentClient;
let fast: Receiver;
let slow: Receiver;

beforeAll(async () => {
  conveyor = await startTestConveyor({
    RECORD_RETENTION_DAYS: String(RETENTION_DAYS),
    // A refused head comes back within a second, so an operator's skip finds it soon.
    PAUSE_RELEASE_SECONDS: '1',
    INLINE_RETRY_BACKOFF_MS: '100',
    INLINE_RETRY_CAP_MS: '300',
  });
  documents = DynamoDBDocumentClient.from(new DynamoDBClient({ endpoint: conveyor.local.dynamoDbUrl }));
  fast = await startReceiver();
  slow = await startReceiver();
});
afterAll(async () => {
  await conveyor?.stop();
  await fast?.close();
  await slow?.close();
});

const messageItem = async (messageId: string) =>
  (await documents.send(new GetCommand({ TableName: 'conveyor', Key: { pk: `MSG#${messageId}`, sk: 'MSG' } }))).Item!;

/** The own items of a message's transmissions 1, 2, ... (`TRN#<trnId>`), by transmission id. */
const ownItems = async (messageId: string) =>
  new Map(
    (
      await documents.send(
        new QueryCommand({
          TableName: 'conveyor',
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :own)',
          ExpressionAttributeValues: { ':pk': `MSG#${messageId}`, ':own': 'TRN#' },
        }),
      )
    ).Items!.map((item) => [(item.sk as string).slice('TRN#'.length), item]),
  );

const arrivalItems = async (destinationId: string) =>
  (
    await documents.send(
      new QueryCommand({
        TableName: 'conveyor',
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': `ARR#${destinationId}` },
      }),
    )
  ).Items!;

it('keeps a fan-out message until its last transmission is delivered, then for the retention; arrivals from their arrival', async () => {
  const { organization, source, destination } = await conveyor.createRoute(fast.url, 'Results');
  const second = await conveyor.createDestination(organization.id, slow.url);
  await conveyor.subscribe(source.id, second.id, 'Results');
  // The second receiver refuses for now: its transmission waits (the destination pauses).
  slow.respond = () => ({ status: 503 });

  const sent = await conveyor.send(source.apiKey, { meta: { dataModel: 'Results', eventType: 'New' }, data: { n: 1 } });
  expect(sent.status).toBe(200);
  const { messageId } = sent.body;
  await waitFor(async () => (await arrivalItems(destination.id)).length === 1, 'the first arrival');
  await waitFor(() => slow.received.length > 0, 'an attempt at the second destination');

  // One transmission delivered, one waiting: the item's TTL is held, a string TTL ignores, and
  // the second transmission's own item (written by its failed attempts, or by the first's delivery
  // when that is transmission 1) has none.
  expect((await messageItem(messageId)).expiresAt).toBe('held: a transmission is not delivered yet');
  // Its write may land after what the test waited for: wait for the item itself.
  await waitFor(async () => (await ownItems(messageId)).size === 1, 'transmission 1’s own item');
  const [waitingOwnItem] = [...(await ownItems(messageId)).values()];
  expect(waitingOwnItem!.expiresAt).toBeUndefined();
  const [arrival] = await arrivalItems(destination.id);
  expect(arrival!.expiresAt).toBe(Math.floor(Date.parse(arrival!.arrivedAt) / 1000) + RETENTION_DAYS * DAY);

  slow.respond = () => ({ status: 200 });
  await waitFor(
    async () => typeof (await messageItem(messageId)).expiresAt === 'number',
    'the TTL, once both are delivered',
    60_000,
  );
  const [secondArrival] = await arrivalItems(second.id);
  const expiresAt = Math.floor(Date.parse(secondArrival!.arrivedAt) / 1000) + RETENTION_DAYS * DAY;
  expect((await messageItem(messageId)).expiresAt).toBe(expiresAt);
  // Transmission 1 keeps its state in its own item, which expires a week after the message (TTL
  // deletes items one by one: the message goes first). It gets it after the message's release.
  await waitFor(
    async () => [...(await ownItems(messageId)).values()].every((item) => typeof item.expiresAt === 'number'),
    'the own item’s TTL, after the message’s',
  );
  const own = await ownItems(messageId);
  expect([...own.values()].map((item) => [item.status, item.expiresAt])).toEqual([['delivered', expiresAt + 7 * DAY]]);
});

it('gives a one-transmission message its TTL in the write that records its delivery', async () => {
  const { source, destination } = await conveyor.createRoute(fast.url, 'Orders');

  const sent = await conveyor.send(source.apiKey, { meta: { dataModel: 'Orders', eventType: 'New' }, data: {} });
  await waitFor(async () => (await arrivalItems(destination.id)).length === 1, 'the arrival');
  const [arrival] = await arrivalItems(destination.id);

  expect((await messageItem(sent.body.messageId)).expiresAt).toBe(
    Math.floor(Date.parse(arrival!.arrivedAt) / 1000) + RETENTION_DAYS * DAY,
  );
  expect(arrival!.expiresAt).toBe(Math.floor(Date.parse(arrival!.arrivedAt) / 1000) + RETENTION_DAYS * DAY);
});

it('gives a fan-out message its TTL when its last waiting transmission is skipped, and the parked entry one from the skip', async () => {
  const refusing = await startReceiver();
  try {
    const { organization, source, destination } = await conveyor.createRoute(fast.url, 'Referrals');
    const second = await conveyor.createDestination(organization.id, refusing.url);
    await conveyor.subscribe(source.id, second.id, 'Referrals');
    refusing.respond = () => ({ status: 503 });

    const sent = await conveyor.send(source.apiKey, { meta: { dataModel: 'Referrals', eventType: 'New' }, data: {} });
    const { messageId } = sent.body;
    await waitFor(async () => (await arrivalItems(destination.id)).length === 1, 'the first arrival');
    await waitFor(
      async () => (await conveyor.admin('GET', `/v1/admin/destinations/${second.id}`)).body.status === 'paused',
      'the second destination paused',
    );
    expect((await messageItem(messageId)).expiresAt).toBe('held: a transmission is not delivered yet');

    // The refused head is hidden for a second after each attempt: skip once it is back.
    const skippedFrom = Math.floor(Date.now() / 1000);
    await waitFor(async () => {
      const skipped = await conveyor.admin('POST', `/v1/admin/destinations/${second.id}/skip`);
      if (skipped.status === 200) return true;
      expect(skipped.body.error.code).toBe('head_in_flight');
      return false;
    }, 'the skip');
    const skippedTo = Math.floor(Date.now() / 1000);

    // Nothing of the message waits now: its records go the retention after the skip.
    const item = await messageItem(messageId);
    const own = await ownItems(messageId);
    expect(item.expiresAt).toBeGreaterThanOrEqual(skippedFrom + RETENTION_DAYS * DAY);
    expect(item.expiresAt).toBeLessThanOrEqual(skippedTo + RETENTION_DAYS * DAY);
    for (const ownItem of own.values()) expect(ownItem.expiresAt).toBe(item.expiresAt + 7 * DAY);
    const [skippedId] = Object.entries(item.transmissions as Record<string, { destinationId: string; status: string }>)
      .filter(([id, entry]) => entry.destinationId === second.id && (own.get(id) ?? entry).status === 'skipped')
      .map(([id]) => id);
    expect(skippedId).toBeDefined();
    const parked = (
      await documents.send(new GetCommand({ TableName: 'conveyor', Key: { pk: `PARK#${skippedId}`, sk: 'PARK' } }))
    ).Item!;
    expect(parked.expiresAt).toBeGreaterThanOrEqual(skippedFrom + RETENTION_DAYS * DAY);
    expect(parked.expiresAt).toBeLessThanOrEqual(skippedTo + RETENTION_DAYS * DAY);
  } finally {
    await refusing.close();
  }
});
