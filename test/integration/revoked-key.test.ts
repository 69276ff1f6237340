/**
 * A warm ingest function remembers the API keys it read and sends a message's entries while the
 * key is read again; the contract still holds: a deleted source's key, and a key replaced with no
 * grace, are refused (401) on the very next request, and the message queued meanwhile is
 * abandoned and never delivered: a later message on the same destination (one FIFO group) arrives
 * alone.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { accepted, type Receiver, startReceiver } from '../fixtures/receiver';
import { startTestConveyor, type TestConveyor, waitFor } from '../fixtures/conveyor';

jest.setTimeout(120_000);

let conveyor: TestConveyor;
let documents: DynamoDBDocumentClient;

beforeAll(async () => {
  // Keys stay remembered for the whole file: every refusal below comes from the fresh read.
  conveyor = await startTestConveyor({ INGEST_CACHE_TTL_MS: '600000' });
  documents = DynamoDBDocumentClient.from(new DynamoDBClient({ endpoint: conveyor.local.dynamoDbUrl }));
});

afterAll(async () => {
  documents?.destroy();
  await conveyor?.stop();
});

const message = (tag: string) => ({ meta: { dataModel: 'Results', eventType: 'New' }, data: { tag } });
const messageIdsAt = (receiver: Receiver) =>
  accepted(receiver).map((delivery) => (JSON.parse(delivery.body).meta as { messageId: string }).messageId);

/** The abandoned messages' tombstones: one per message queued and then refused. */
const abandonedMessages = async (): Promise<number> => {
  const scan = await documents.send(
    new ScanCommand({
      TableName: conveyor.local.config.store.tableName,
      FilterExpression: 'begins_with(pk, :msg) AND #state = :abandoned',
      ExpressionAttributeNames: { '#state': 'state' },
      ExpressionAttributeValues: { ':msg': 'MSG#', ':abandoned': 'abandoned' },
    }),
  );
  return scan.Items?.length ?? 0;
};

/** An organization with `sources` sources, each subscribed to one destination (at `receiver`) for `Results`. */
const setUp = async (sources: number, receiver: Receiver) => {
  const organization = await conveyor.createOrganization();
  const destination = await conveyor.createDestination(organization.id, receiver.url);
  const created = [];
  for (let n = 0; n < sources; n++) {
    const source = await conveyor.createSource(organization.id);
    await conveyor.subscribe(source.id, destination.id, 'Results');
    created.push(source);
  }
  return { sources: created };
};

describe('a key a warm function remembers', () => {
  let receiver: Receiver;
  beforeEach(async () => {
    receiver = await startReceiver();
  });
  afterEach(async () => {
    await receiver.close();
  });

  it('is refused once its source is deleted, and the message queued meanwhile is never delivered', async () => {
    const {
      sources: [doomed, other],
    } = await setUp(2, receiver);
    const first = await conveyor.send(doomed!.apiKey, message('before'));
    expect(first.status).toBe(200);
    const abandonedBefore = await abandonedMessages();

    expect(await conveyor.admin('DELETE', `/v1/admin/sources/${doomed!.id}`)).toMatchObject({ status: 204 });
    const refused = await conveyor.send(doomed!.apiKey, message('after-delete'));

    expect(refused).toMatchObject({
      status: 401,
      body: { error: { code: 'unauthorized', message: 'The API key in the Authorization header is not valid.' } },
    });
    // Went ahead on memory: its entry was queued, then the message abandoned. (Deleting the source
    // removed its subscriptions too, so the remembered route failed its check as well: the refused
    // key is answered first, as when the key was read before anything else.)
    expect(await abandonedMessages()).toBe(abandonedBefore + 1);
    const marker = await conveyor.send(other!.apiKey, message('marker'));
    expect(marker.status).toBe(200);
    // One FIFO group per destination: once the marker arrived, the refused entry was dropped before it.
    await waitFor(() => messageIdsAt(receiver).includes(marker.body.messageId), 'the marker');
    expect(messageIdsAt(receiver)).toEqual([first.body.messageId, marker.body.messageId]);
    // A later request with the key is refused too, read first now (memory forgot it).
    expect((await conveyor.send(doomed!.apiKey, message('again'))).status).toBe(401);
    expect(await abandonedMessages()).toBe(abandonedBefore + 1);
  });

  it('is refused at once when it is replaced with no grace, and the message queued meanwhile is never delivered', async () => {
    const {
      sources: [source],
    } = await setUp(1, receiver);
    const first = await conveyor.send(source!.apiKey, message('before'));
    expect(first.status).toBe(200);
    const abandonedBefore = await abandonedMessages();

    const rotated = await conveyor.admin('POST', `/v1/admin/sources/${source!.id}/keys`, { graceSeconds: 0 });
    expect(rotated.status).toBe(201);
    const refused = await conveyor.send(source!.apiKey, message('after-rotation'));

    expect(refused).toMatchObject({
      status: 401,
      body: {
        error: {
          code: 'unauthorized',
          message: 'The API key in the Authorization header was replaced by a newer key and its grace period is over.',
        },
      },
    });
    expect(await abandonedMessages()).toBe(abandonedBefore + 1);
    const marker = await conveyor.send(rotated.body.apiKey as string, message('marker'));
    expect(marker.status).toBe(200);
    await waitFor(() => messageIdsAt(receiver).includes(marker.body.messageId), 'the marker');
    expect(messageIdsAt(receiver)).toEqual([first.body.messageId, marker.body.messageId]);
  });
});
