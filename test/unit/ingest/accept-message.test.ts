import { type AcceptMessagePorts, acceptMessage } from '../../../lambdas/ingest/accept-message';
import { decodeEnvelope } from '../../../lambdas/shared/domain/envelope';
import { uploadObjectKey } from '../../../lambdas/shared/domain/uploads';
import { newId } from '../../../lambdas/shared/domain/ids';
import type { ActiveDestination, Source, Subscription } from '../../../lambdas/shared/domain/model';
import { MAX_INLINE_ENTRY_ESCAPED_BYTES, escapedEntryBytes } from '../../../lambdas/shared/domain/size-limits';
import type { QueueEntry } from '../../../lambdas/shared/ports/queues';
import { activeDestinationOf, memoryAcceptPorts, sendingQueues } from './ingest-fixtures';
import { MemoryPayloadStore } from '../../fixtures/memory-store';
import { MemoryUploadObjects, MemoryUploadRecords } from '../../fixtures/memory-uploads';

const now = new Date('2026-11-26T10:00:00.000Z');
const source: Source = {
  id: newId('source'),
  organizationId: newId('organization'),
  name: 'EHR',
  createdAt: now.toISOString(),
};

/** Ports over memory, with `destinationCount` destinations subscribed to `Imaging`; `sent` keeps what reached each queue. */
const setUp = (destinationCount = 1) => {
  const destinations = Array.from({ length: destinationCount }, (_unused, index) =>
    activeDestinationOf(source, String(index), now.toISOString()),
  );
  const subscriptions: Subscription[] = destinations.map((destination) => ({
    id: newId('subscription'),
    sourceId: source.id,
    destinationId: destination.id,
    dataModel: 'Imaging',
    createdAt: now.toISOString(),
  }));
  const sent: Array<{ queueUrl: string; entry: QueueEntry }> = [];
  const queues = sendingQueues(async (queueUrl, entry) => void sent.push({ queueUrl, entry }));
  const payloads = new MemoryPayloadStore();
  const uploads = new MemoryUploadRecords();
  const uploadObjects = new MemoryUploadObjects();
  const ports = memoryAcceptPorts(
    {
      directory: {
        getDestination: async (id) => destinations.find((destination) => destination.id === id),
        getDestinationNow: async (id) => destinations.find((destination) => destination.id === id),
        listSubscriptionsOfSource: async () => subscriptions,
      },
      queues,
      payloads,
      uploads,
      uploadObjects,
    },
    now,
  );
  return { ports, sent, payloads, uploads, uploadObjects };
};

const bodyWith = (data: string) => `{"meta":{"dataModel":"Imaging","eventType":"Report"},"data":${data}}`;
const accept = (ports: AcceptMessagePorts, data: string) =>
  acceptMessage({ source, idempotencyKey: undefined, body: bodyWith(data) }, ports);

/**
 * JSON data whose queue entry is `escapedBytes` long, escaped: a string of `x`. The header's
 * escaped size is measured on a first entry (ids have fixed lengths, the clock is fixed).
 */
const dataForEscapedEntry = async (escapedBytes: number): Promise<string> => {
  const { ports, sent } = setUp();
  await accept(ports, '""');
  const headerBytes = escapedEntryBytes(sent[0]!.entry.body) - escapedEntryBytes('""');
  return `"${'x'.repeat(escapedBytes - headerBytes - escapedEntryBytes('""'))}"`;
};

describe('acceptMessage: which entries travel inline', () => {
  // Data as JSON writes them; each escapes to twice its size or more in the delivery event.
  it.each([
    ['quotes (\\")', `"${'\\"'.repeat(150_000)}"`],
    ['backslashes (\\\\)', `"${'\\\\'.repeat(150_000)}"`],
    ['control characters (\\u0001)', `"${'\\u0001'.repeat(80_000)}"`],
    ['newlines between values', `[${'1,\n'.repeat(150_000)}1]`],
    ['emoji (base64 in the envelope)', `"${'😀'.repeat(110_000)}"`],
  ])(
    'sends data of %s through the payload store when its entry, escaped, is over the threshold',
    async (_case, data) => {
      const { ports, sent, payloads } = setUp(2);
      // Prepare: under the threshold and under a queue message as it is, over the threshold escaped.
      expect(Buffer.byteLength(data)).toBeLessThan(MAX_INLINE_ENTRY_ESCAPED_BYTES);

      // Act
      const answer = await accept(ports, data);

      // Assess: both entries carry the same reference; the store has the data byte for byte.
      expect(sent).toHaveLength(2);
      const headers = sent.map(({ entry }) => decodeEnvelope(entry.body));
      expect(headers.map(({ header, rawData }) => ({ dataRef: header.dataRef, rawData }))).toEqual([
        { dataRef: `payloads/${answer.messageId}`, rawData: '' },
        { dataRef: `payloads/${answer.messageId}`, rawData: '' },
      ]);
      expect(payloads.objects.get(`payloads/${answer.messageId}`) === data).toBe(true);
    },
  );

  it('keeps an entry of exactly the threshold, escaped, inline', async () => {
    const data = await dataForEscapedEntry(MAX_INLINE_ENTRY_ESCAPED_BYTES);
    const { ports, sent, payloads } = setUp();

    await accept(ports, data);

    expect(escapedEntryBytes(sent[0]!.entry.body)).toBe(MAX_INLINE_ENTRY_ESCAPED_BYTES);
    const { header, rawData } = decodeEnvelope(sent[0]!.entry.body);
    expect(header.dataRef).toBeUndefined();
    expect(rawData === data).toBe(true);
    expect(payloads.objects.size).toBe(0);
  });

  it('sends an entry one byte over the threshold, escaped, through the payload store', async () => {
    const data = await dataForEscapedEntry(MAX_INLINE_ENTRY_ESCAPED_BYTES + 1);
    const { ports, sent, payloads } = setUp();

    const answer = await accept(ports, data);

    expect(decodeEnvelope(sent[0]!.entry.body).header.dataRef).toBe(`payloads/${answer.messageId}`);
    expect(payloads.objects.get(`payloads/${answer.messageId}`) === data).toBe(true);
  });

  it('still sends data over the queue message cap through the payload store', async () => {
    const { ports, sent, payloads } = setUp();
    const data = `"${'x'.repeat(2000)}"`;

    const answer = await accept({ ...ports, maxQueueMessageBytes: 1000 }, data);

    expect(decodeEnvelope(sent[0]!.entry.body).header.dataRef).toBe(`payloads/${answer.messageId}`);
    expect(payloads.objects.get(`payloads/${answer.messageId}`)).toBe(data);
  });

  it('answers 503 not_accepted, enqueuing nothing, when the payload store refuses', async () => {
    const { ports, sent } = setUp();
    const refusing = {
      ...ports,
      payloads: {
        put: async () => Promise.reject(new Error('S3 is down')),
        get: ports.payloads.get,
        remove: ports.payloads.remove,
      },
    };

    await expect(accept(refusing, `"${'\\"'.repeat(150_000)}"`)).rejects.toMatchObject({
      statusCode: 503,
      code: 'not_accepted',
    });

    expect(sent).toEqual([]);
  });
});

describe('acceptMessage: a deleted destination', () => {
  const namedBody = (destinationId: string) =>
    JSON.stringify({ meta: { dataModel: 'Imaging', eventType: 'Report', destinations: [destinationId] }, data: {} });

  it('answers 404 destination_not_found for a named one, even while the cache remembers it active', async () => {
    const { ports, sent } = setUp(1);
    const subscriptions = await ports.directory.listSubscriptionsOfSource(source.id);
    const active = (await ports.directory.getDestination(subscriptions[0]!.destinationId)) as ActiveDestination;
    // Deleted: its subscriptions removed, and only a fresh read knows it is gone.
    subscriptions.length = 0;
    ports.directory.getDestinationNow = async () => ({
      ...active,
      status: 'deleted',
      deletingAt: '',
      deletedAt: '',
      forced: false,
      signingSecret: undefined,
    });

    await expect(
      acceptMessage({ source, idempotencyKey: undefined, body: namedBody(active.id) }, ports),
    ).rejects.toMatchObject({ statusCode: 404, code: 'destination_not_found' });
    expect(sent).toEqual([]);
  });

  it('routes by subscription around one being deleted', async () => {
    const { ports, sent } = setUp(2);
    const [first, second] = await ports.directory.listSubscriptionsOfSource(source.id);
    const deleting = (await ports.directory.getDestination(first!.destinationId)) as ActiveDestination;
    const getDestination = ports.directory.getDestination;
    ports.directory.getDestination = async (id) =>
      id === deleting.id
        ? { ...deleting, status: 'deleting', deletingAt: '', forced: true, pause: undefined }
        : getDestination(id);

    const answer = await accept(ports, '{}');

    expect(answer.transmissions.map((transmission) => transmission.destinationId)).toEqual([second!.destinationId]);
    expect(sent).toHaveLength(1);
  });
});

describe('acceptMessage: dataUpload', () => {
  const document = '{"patient":{"mrn":"12345"},"n":1.50}';
  const uploadBody = (uploadId: string) =>
    JSON.stringify({ meta: { dataModel: 'Imaging', eventType: 'Report' }, dataUpload: uploadId });
  /** Ports with one upload of `document` by `source`, usable until `usableUntil`, sent (`put`) or not. */
  const withUpload = async (options: { usableUntil?: string; put?: boolean; destinations?: number } = {}) => {
    const setup = setUp(options.destinations ?? 2);
    const uploadId = newId('upload');
    await setup.uploads.create({
      uploadId,
      sourceId: source.id,
      contentLength: Buffer.byteLength(document),
      createdAt: now.toISOString(),
      usableUntil: options.usableUntil ?? new Date(now.getTime() + 3600_000).toISOString(),
    });
    const key = uploadObjectKey(source.id, uploadId);
    if (options.put ?? true) setup.uploadObjects.upload(key, document);
    const send = (ports = setup.ports) =>
      acceptMessage({ source, idempotencyKey: undefined, body: uploadBody(uploadId) }, ports);
    return { ...setup, uploadId, key, send };
  };

  it('enqueues a reference to the upload itself (key, size, ETag checked), takes it and tags it used', async () => {
    const { send, sent, payloads, uploads, uploadObjects, uploadId, key } = await withUpload();

    const answer = await send();

    expect(sent).toHaveLength(2);
    for (const { entry } of sent) {
      const { header, rawData } = decodeEnvelope(entry.body);
      expect({ dataRef: header.dataRef, dataBytes: header.dataBytes, dataEtag: header.dataEtag, rawData }).toEqual({
        dataRef: key,
        dataBytes: Buffer.byteLength(document),
        dataEtag: uploadObjects.objects.get(key)!.etag,
        rawData: '',
      });
    }
    // No second copy.
    expect(payloads.objects.size).toBe(0);
    expect((await uploads.get(uploadId))!.messageId).toBe(answer.messageId);
    expect(uploadObjects.objects.get(key)!.tag).toBe('used');
  });

  it('answers 404 upload_not_found once the clock passes usableUntil, though the record is still there', async () => {
    const { send, sent } = await withUpload({ usableUntil: now.toISOString() });

    await expect(send()).rejects.toMatchObject({ statusCode: 404, code: 'upload_not_found' });
    expect(sent).toEqual([]);
  });

  it('answers 409 upload_incomplete, enqueuing nothing, when nothing was uploaded yet', async () => {
    const { send, sent } = await withUpload({ put: false });

    await expect(send()).rejects.toMatchObject({ statusCode: 409, code: 'upload_incomplete' });
    expect(sent).toEqual([]);
  });

  it('answers 503 and gives the upload back, enqueuing nothing, when it cannot be tagged used', async () => {
    const { send, sent, ports, uploads, uploadId } = await withUpload();
    const refusing = {
      ...ports,
      uploadObjects: { ...ports.uploadObjects, markUsed: async () => Promise.reject(new Error('S3 is down')) },
    };

    await expect(send(refusing)).rejects.toMatchObject({ statusCode: 503, code: 'not_accepted' });
    expect(sent).toEqual([]);
    expect((await uploads.get(uploadId))!.messageId).toBeUndefined();
  });

  it('gives the upload back when a queue refuses, so the retry can use it', async () => {
    const { send, ports, uploads, uploadId } = await withUpload();
    const refusing = { ...ports, queues: { ...ports.queues, send: async () => Promise.reject(new Error('down')) } };

    await expect(send(refusing)).rejects.toMatchObject({ statusCode: 503, code: 'not_accepted' });
    expect((await uploads.get(uploadId))!.messageId).toBeUndefined();

    const answer = await send();
    expect((await uploads.get(uploadId))!.messageId).toBe(answer.messageId);
  });

  it('answers 409 upload_used when another message took the upload between its check and its claim', async () => {
    const { send, ports, uploads, uploadId, sent } = await withUpload();
    const racing = {
      ...ports,
      uploads: {
        ...ports.uploads,
        get: uploads.get.bind(uploads),
        claim: async (id: string) => {
          await uploads.claim(id, 'msg_other');
          return uploads.claim(id, 'msg_this');
        },
      },
    };

    await expect(send(racing)).rejects.toMatchObject({ statusCode: 409, code: 'upload_used' });
    expect(sent).toEqual([]);
    expect((await uploads.get(uploadId))!.messageId).toBe('msg_other');
  });
});
