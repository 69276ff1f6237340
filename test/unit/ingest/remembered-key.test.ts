/**
 * `POST /v1/messages` on an API key a warm function remembers (`authenticateByRememberedKey`, then
 * `acceptMessage`, as `ingest/app.ts` composes them, over `CachedDirectory`): the queue writes go
 * ahead while the key's record is read afresh, and nothing is acknowledged unless that read
 * confirms the source; a refused key is answered 401 before anything else, as when it is read first.
 */
import { type AcceptMessagePorts, acceptMessage } from '../../../lambdas/ingest/accept-message';
import { CachedDirectory } from '../../../lambdas/ingest/cached-directory';
import { authenticateByRememberedKey } from '../../../lambdas/ingest/remembered-key';
import { hashApiKey, newId } from '../../../lambdas/shared/domain/ids';
import type { AcceptedMessage, ActiveDestination, Source } from '../../../lambdas/shared/domain/model';
import { uploadObjectKey } from '../../../lambdas/shared/domain/uploads';
import type { ApiKeyHolder } from '../../../lambdas/shared/ports/directory';
import type { QueueEntry } from '../../../lambdas/shared/ports/queues';
import { activeDestinationOf, memoryAcceptPorts, sendingQueues } from './ingest-fixtures';
import { MemoryDirectory, MemoryMessageStore } from '../../fixtures/memory-store';
import { MemoryUploadObjects, MemoryUploadRecords } from '../../fixtures/memory-uploads';

const now = new Date('2026-11-26T10:00:00.000Z');
const API_KEY = 'cvk_remembered0123456789';
const AUTHORIZATION = `Bearer ${API_KEY}`;
const UNKNOWN_KEY = 'The API key in the Authorization header is not valid.';
const GRACE_PERIOD_OVER =
  'The API key in the Authorization header was replaced by a newer key and its grace period is over.';

const source: Source = { id: newId('source'), organizationId: newId('organization'), name: 'EHR', createdAt: '' };
const lab: ActiveDestination = activeDestinationOf(source, 'lab');
const other: Source = { id: newId('source'), organizationId: source.organizationId, name: 'Other', createdAt: '' };
const DOCUMENT = '{"n":1}';

/** Resolves the next time `signal` is given. */
const signals = () => {
  const waiting: Array<() => void> = [];
  return {
    next: () => new Promise<void>((resolve) => waiting.push(resolve)),
    give: () => {
      for (const resolve of waiting.splice(0)) resolve();
    },
  };
};

/**
 * One source with `API_KEY`, subscribed to `lab` for `Results`, behind a warm `CachedDirectory`;
 * `events` records the key's reads, the queue writes, commits and abandonments in order. While
 * `holdKeyReads` is on, a key read waits for `releaseKeyReads()` and then reads the store as it is.
 */
const setUp = async () => {
  const directory = new MemoryDirectory();
  await directory.putSource(source, hashApiKey(API_KEY));
  await directory.putSource(other);
  await directory.putDestination(lab);
  await directory.putSubscription({
    id: newId('subscription'),
    sourceId: source.id,
    destinationId: lab.id,
    dataModel: 'Results',
    createdAt: '',
  });
  const events: string[] = [];
  let holdKeyReads = false;
  const held: Array<() => void> = [];
  const keyReadStarted = signals();
  const readKey = directory.findApiKey.bind(directory);
  const keyReads = jest
    .spyOn(directory, 'findApiKey')
    .mockImplementation(async (hash): Promise<ApiKeyHolder | undefined> => {
      events.push('key read started');
      keyReadStarted.give();
      if (holdKeyReads) await new Promise<void>((resolve) => held.push(resolve));
      const key = await readKey(hash);
      events.push('key read answered');
      return key;
    });

  const sent: Array<{ queueUrl: string; entry: QueueEntry }> = [];
  const queueWrite = signals();
  const queues = sendingQueues(async (queueUrl, entry) => {
    events.push(`sent to ${queueUrl}`);
    sent.push({ queueUrl, entry });
    queueWrite.give();
  });
  const messages = new MemoryMessageStore();
  const commitMessage = messages.commitMessage.bind(messages);
  const commits = jest.spyOn(messages, 'commitMessage').mockImplementation(async (message) => {
    events.push('committed');
    return commitMessage(message);
  });
  const abandonMessage = messages.abandonMessage.bind(messages);
  jest.spyOn(messages, 'abandonMessage').mockImplementation(async (messageId) => {
    events.push('abandoned');
    return abandonMessage(messageId);
  });
  const claims = jest.spyOn(messages, 'claimIdempotencyKey');
  const releases = jest.spyOn(messages, 'releaseIdempotencyKey');
  const uploads = new MemoryUploadRecords();
  const uploadObjects = new MemoryUploadObjects();
  const log = { debug: jest.fn(), info: jest.fn(), warn: jest.fn(), error: jest.fn() };
  const cached = new CachedDirectory(directory, 30_000, () => now);
  const ports = memoryAcceptPorts(
    { directory: cached, messages, queues, log: log as unknown as AcceptMessagePorts['log'], uploads, uploadObjects },
    now,
  );

  /** As `postMessage` in ingest/app.ts does, once the body is read. */
  const post = async (body: string, options: { idempotencyKey?: string; authorization?: string } = {}) => {
    const { source: authenticated, confirmed } = await authenticateByRememberedKey(
      options.authorization ?? AUTHORIZATION,
      cached,
      now,
    );
    return acceptMessage({ source: authenticated, confirmed, idempotencyKey: options.idempotencyKey, body }, ports);
  };
  const results = (meta: Record<string, unknown> = {}) =>
    JSON.stringify({ meta: { dataModel: 'Results', eventType: 'New', ...meta }, data: { n: 1 } });
  const withUpload = async () => {
    const uploadId = newId('upload');
    await uploads.create({
      uploadId,
      sourceId: source.id,
      contentLength: Buffer.byteLength(DOCUMENT),
      createdAt: now.toISOString(),
      usableUntil: new Date(now.getTime() + 3600_000).toISOString(),
    });
    uploadObjects.upload(uploadObjectKey(source.id, uploadId), DOCUMENT);
    return {
      uploadId,
      body: JSON.stringify({ meta: { dataModel: 'Results', eventType: 'New' }, dataUpload: uploadId }),
    };
  };

  return {
    directory,
    cached,
    events,
    sent,
    messages,
    commits,
    claims,
    releases,
    uploads,
    log,
    keyReads,
    post,
    results,
    withUpload,
    holdKeyReads: () => {
      holdKeyReads = true;
    },
    releaseKeyReads: () => {
      holdKeyReads = false;
      for (const release of held.splice(0)) release();
    },
    nextKeyRead: keyReadStarted.next,
    nextQueueWrite: queueWrite.next,
    /** Warms the function: one message, which leaves the key (and the subscriptions) remembered. */
    warm: async () => {
      await post(results());
      messages.messages.clear();
      events.length = 0;
      sent.length = 0;
      commits.mockClear();
      claims.mockClear();
      releases.mockClear();
      keyReads.mockClear();
    },
  };
};

type SetUp = Awaited<ReturnType<typeof setUp>>;

/** How the store can refuse a remembered key between two messages. */
const refusals: Array<{ case: string; revoke: (setup: SetUp) => void; message: string; refusedAfter: boolean }> = [
  {
    case: 'its source deleted (no record)',
    revoke: ({ directory }) => void directory.sources.delete(source.id),
    message: UNKNOWN_KEY,
    refusedAfter: true,
  },
  {
    case: 'replaced, its grace period over',
    revoke: ({ directory }) =>
      void directory.sourceKeys.set(hashApiKey(API_KEY), { sourceId: source.id, validUntil: now.toISOString() }),
    message: GRACE_PERIOD_OVER,
    refusedAfter: true,
  },
  {
    // Not one the store makes (a key's hash never moves), but memory must not outvote it either.
    case: 'naming another source',
    revoke: ({ directory }) => void directory.sourceKeys.set(hashApiKey(API_KEY), { sourceId: other.id }),
    message: UNKNOWN_KEY,
    refusedAfter: false,
  },
];

const abandonedIn = (messages: MemoryMessageStore) =>
  [...messages.messages.values()].filter((message) => message === 'abandoned');
const committedIn = (messages: MemoryMessageStore) =>
  [...messages.messages.values()].filter((message) => message !== 'abandoned');

describe('POST /v1/messages on a remembered API key', () => {
  it('sends the entries while the key is read afresh, and commits only once the read confirms the source', async () => {
    const setup = await setUp();
    await setup.warm();
    setup.holdKeyReads();

    const answer = setup.post(setup.results());
    // Prepare: the queue write happens while the key's read is held open.
    await setup.nextQueueWrite();
    expect(setup.events).toEqual(['key read started', `sent to ${lab.queueUrl}`]);
    setup.releaseKeyReads();

    const accepted = await answer;
    expect(accepted.transmissions.map(({ destinationId }) => destinationId)).toEqual([lab.id]);
    expect(setup.events).toEqual(['key read started', `sent to ${lab.queueUrl}`, 'key read answered', 'committed']);
    expect(setup.keyReads).toHaveBeenCalledTimes(1);
  });

  describe.each(refusals)('refused by the fresh read: $case', ({ revoke, message, refusedAfter }) => {
    it('answers 401 with the message a read-first request gets, abandons the message, commits nothing, releases the key and the upload', async () => {
      const setup = await setUp();
      await setup.warm();
      const { uploadId, body } = await setup.withUpload();
      setup.holdKeyReads();

      const answer = setup.post(body, { idempotencyKey: 'order-4711' });
      // Prepare: the store changes while the message is on its way, its entry already sent.
      await setup.nextQueueWrite();
      revoke(setup);
      setup.releaseKeyReads();

      await expect(answer).rejects.toMatchObject({ statusCode: 401, code: 'unauthorized', message });
      expect(setup.sent).toHaveLength(1);
      expect(setup.events.slice(-2)).toEqual(['key read answered', 'abandoned']);
      expect(abandonedIn(setup.messages)).toHaveLength(1);
      expect(committedIn(setup.messages)).toEqual([]);
      expect(setup.commits).not.toHaveBeenCalled();
      expect(setup.releases).toHaveBeenCalledTimes(1);
      expect((setup.releases.mock.calls[0] as unknown[])[0]).toEqual(setup.claims.mock.calls[0]![0]);
      expect((await setup.uploads.get(uploadId))!.messageId).toBeUndefined();

      if (!refusedAfter) return;
      // And the next request, read first (memory forgot the missing key, and refuses one past its
      // grace period), gets the same answer and writes nothing.
      await expect(setup.post(setup.results())).rejects.toMatchObject({ statusCode: 401, message });
      expect(setup.sent).toHaveLength(1);
    });
  });

  it('answers 503 not_accepted, abandoning the message and committing nothing, when the fresh read fails', async () => {
    const setup = await setUp();
    await setup.warm();
    setup.keyReads.mockRejectedValueOnce(new Error('DynamoDB is unavailable'));

    await expect(setup.post(setup.results(), { idempotencyKey: 'order-1' })).rejects.toMatchObject({
      statusCode: 503,
      code: 'not_accepted',
      message: 'A dependency failed. Nothing was acknowledged; retry with the same Idempotency-Key.',
    });
    expect(setup.sent).toHaveLength(1);
    expect(abandonedIn(setup.messages)).toHaveLength(1);
    expect(setup.commits).not.toHaveBeenCalled();
    expect(setup.releases).toHaveBeenCalledTimes(1);
    expect(setup.log.error).toHaveBeenCalledWith(
      'API key could not be read',
      expect.objectContaining({ sourceId: source.id, errorName: 'Error' }),
    );
  });

  const otherDestination: ActiveDestination = { ...lab, id: newId('destination'), queueUrl: 'queue-other' };
  const refused: Array<{ case: string; body: (setup: SetUp) => string; statusCode: number; code: string }> = [
    { case: 'a body that is not JSON (400)', body: () => '{"meta":', statusCode: 400, code: 'invalid_json' },
    {
      case: 'a data model nothing subscribes to (422)',
      body: () => JSON.stringify({ meta: { dataModel: 'Orders', eventType: 'New' }, data: {} }),
      statusCode: 422,
      code: 'no_destination',
    },
    {
      case: 'a destination no subscription covers (403)',
      body: ({ results }) => results({ destinations: [otherDestination.id] }),
      statusCode: 403,
      code: 'destination_not_allowed',
    },
  ];
  it.each(refused)('answers $case with its own code while the key holds', async (row) => {
    const setup = await setUp();
    await setup.directory.putDestination(otherDestination);
    await setup.warm();

    await expect(setup.post(row.body(setup))).rejects.toMatchObject({ statusCode: row.statusCode, code: row.code });
  });

  it.each(refused)('answers $case with 401 once the key is revoked, as a read-first request would', async (row) => {
    const setup = await setUp();
    await setup.directory.putDestination(otherDestination);
    await setup.warm();
    setup.directory.sources.delete(source.id);
    // Still remembered: the request goes ahead on memory.
    expect(setup.cached.rememberedApiKey(hashApiKey(API_KEY))).toMatchObject({ source });

    await expect(setup.post(row.body(setup))).rejects.toMatchObject({
      statusCode: 401,
      code: 'unauthorized',
      message: UNKNOWN_KEY,
    });
    expect(committedIn(setup.messages)).toEqual([]);
  });

  it('repeats an answered request’s answer only to a key the store still holds: 401 once it is revoked', async () => {
    const setup = await setUp();
    await setup.warm();
    const body = setup.results();
    const first = await setup.post(body, { idempotencyKey: 'order-7' });
    const answered = {
      outcome: 'answered' as const,
      requestHash: setup.claims.mock.calls[0]![0].requestHash,
      answer: first,
    };
    setup.claims.mockResolvedValue(answered);

    // Prepare: the repeat with the key valid gets the first answer, enqueuing nothing.
    await expect(setup.post(body, { idempotencyKey: 'order-7' })).resolves.toEqual<AcceptedMessage>(first);
    setup.directory.sources.delete(source.id);

    await expect(setup.post(body, { idempotencyKey: 'order-7' })).rejects.toMatchObject({
      statusCode: 401,
      message: UNKNOWN_KEY,
    });
    expect(setup.sent).toHaveLength(1);
    expect(setup.log.info).toHaveBeenCalledTimes(1);
  });

  it('answers a repeat with another body 401, not 422, once the key is revoked', async () => {
    const setup = await setUp();
    await setup.warm();
    const first = await setup.post(setup.results(), { idempotencyKey: 'order-8' });
    setup.claims.mockResolvedValue({ outcome: 'answered', requestHash: 'another body', answer: first });
    setup.directory.sourceKeys.set(hashApiKey(API_KEY), { sourceId: source.id, validUntil: now.toISOString() });

    await expect(setup.post(setup.results(), { idempotencyKey: 'order-8' })).rejects.toMatchObject({
      statusCode: 401,
      message: GRACE_PERIOD_OVER,
    });
  });
});

describe('POST /v1/messages on a key the function does not remember', () => {
  it('reads the key first: an unknown key is 401 and nothing is queued, claimed or read beyond it', async () => {
    const setup = await setUp();
    setup.holdKeyReads();

    const keyRead = setup.nextKeyRead();
    const answer = setup.post(setup.results(), { authorization: 'Bearer cvk_unknown', idempotencyKey: 'k' });
    await keyRead;
    setup.releaseKeyReads();

    await expect(answer).rejects.toMatchObject({ statusCode: 401, message: UNKNOWN_KEY });
    expect(setup.events).toEqual(['key read started', 'key read answered']);
    expect(setup.claims).not.toHaveBeenCalled();
  });

  it('reads the key first on a cold function, then goes ahead: the queue write comes after the read', async () => {
    const setup = await setUp();

    await setup.post(setup.results());

    expect(setup.events).toEqual(['key read started', 'key read answered', `sent to ${lab.queueUrl}`, 'committed']);
  });

  it('reads first a key remembered past its grace period, and judges it by that read', async () => {
    const setup = await setUp();
    setup.directory.sourceKeys.set(hashApiKey(API_KEY), {
      sourceId: source.id,
      validUntil: new Date(now.getTime() + 1).toISOString(),
    });
    const later = new Date(now.getTime() + 1);
    await setup.warm();

    // The clock has passed the remembered validUntil: memory refuses, so the store decides first.
    const refused = authenticateByRememberedKey(AUTHORIZATION, setup.cached, later);
    await expect(refused).rejects.toMatchObject({ statusCode: 401, message: GRACE_PERIOD_OVER });
    expect(setup.events).toEqual(['key read started', 'key read answered']);
  });

  it('answers a missing or malformed Authorization header 401 at once, reading nothing', async () => {
    const setup = await setUp();

    await expect(authenticateByRememberedKey(undefined, setup.cached, now)).rejects.toMatchObject({
      statusCode: 401,
      message: 'The Authorization header is missing; send "Bearer <source API key>".',
    });
    await expect(authenticateByRememberedKey('Basic abc', setup.cached, now)).rejects.toMatchObject({
      statusCode: 401,
      message: 'The Authorization header must be "Bearer <source API key>".',
    });
    expect(setup.keyReads).not.toHaveBeenCalled();
  });
});
