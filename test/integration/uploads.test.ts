/**
 * Contract v1.1, large documents: `POST /v1/uploads` answers a presigned URL for exactly
 * `contentLength` bytes; the integrator PUTs the document there (plain `fetch`, the answered
 * headers) and sends `POST /v1/messages` with `dataUpload`. Ingest checks the upload before it
 * acknowledges, and the destinations receive the document as `data`, byte for byte. Every wrong
 * use answers its code and enqueues nothing. Locally the URL is fauxqs's S3 (patched for 50 MB
 * bodies, tags and If-None-Match: patches/fauxqs+2.4.1.patch).
 */
import { GetObjectCommand, GetObjectTaggingCommand, HeadObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { createHash } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { uploadObjectKey } from '../../lambdas/shared/domain/uploads';
import { ENV } from '../../lambdas/shared/runtime/env';
import { clientSettings } from '../../lambdas/shared/wiring/clients';
import { startTestConveyor, type TestConveyor, waitFor } from '../fixtures/conveyor';
import { accepted, type Receiver, startReceiver } from '../fixtures/receiver';

jest.setTimeout(300_000);

const META = { dataModel: 'Imaging', eventType: 'Report' };
const MB = 1_000_000;

let conveyor: TestConveyor;
let s3: S3Client;
const receivers: Receiver[] = [];
let first: Receiver;
let second: Receiver;
let source: { id: string; apiKey: string };
let otherSource: { id: string; apiKey: string };
let destinations: Array<{ id: string; signingSecret: string }>;

beforeAll(async () => {
  conveyor = await startTestConveyor();
  s3 = new S3Client({ ...clientSettings(conveyor.local.config.clients, 's3'), forcePathStyle: true });
  [first, second] = [await startReceiver(), await startReceiver()];
  receivers.push(first, second);
  const organization = await conveyor.createOrganization();
  source = await conveyor.createSource(organization.id);
  destinations = [];
  for (const receiver of receivers) {
    const destination = await conveyor.createDestination(organization.id, receiver.url);
    await conveyor.subscribe(source.id, destination.id, META.dataModel);
    destinations.push(destination);
  }
  // Another tenant's source, subscribed to the same destination: only its own uploads are its.
  const otherOrganization = await conveyor.createOrganization('Other');
  otherSource = await conveyor.createSource(otherOrganization.id);
  await conveyor.subscribe(otherSource.id, destinations[0]!.id, META.dataModel);
});

afterAll(async () => {
  s3?.destroy();
  await conveyor?.stop();
  await Promise.all(receivers.map((receiver) => receiver.close()));
});

const digest = (bytes: Buffer | string) => createHash('sha256').update(bytes).digest('hex');
/** The `data` of a delivered body, as its UTF-8 bytes (the body is `{"meta":{...},"data":<data>}`). */
const deliveredData = (body: string) =>
  Buffer.from(body.slice(body.indexOf(',"data":') + ',"data":'.length, -1), 'utf8');
const deliveredMessageId = (body: string): string =>
  JSON.parse(body.slice('{"meta":'.length, body.indexOf(',"data":'))).messageId;

/**
 * A JSON document of exactly `bytes` bytes: a few fields whose bytes must survive exactly (escapes,
 * non-ASCII, `1.50`), then strings of a million characters (few values, so that the receiver's
 * check of each delivery against the document parses it cheaply).
 */
const documentOf = (bytes: number, tag: string): Buffer => {
  const head = `{"tag":"${tag}","note":"Zoë Ünïcödé 😀 \\u00e9 \\"q\\"","n":1.50,"chunks":["`;
  const tail = '"]}';
  const filler = bytes - Buffer.byteLength(head) - tail.length;
  const segment = `${'x'.repeat(MB - 3)}","`;
  const text = `${head}${segment.repeat(Math.floor(filler / MB))}${'x'.repeat(filler % MB)}${tail}`;
  const document = Buffer.from(text, 'utf8');
  expect(document.length).toBe(bytes);
  return document;
};

const authorized = (apiKey: string) => ({ authorization: `Bearer ${apiKey}` });

/** `POST /v1/uploads` for `contentLength` bytes; expects 201. */
const createUpload = async (apiKey: string, contentLength: number) => {
  const answer = await conveyor.request('POST', '/v1/uploads', {
    body: { contentLength },
    headers: authorized(apiKey),
  });
  expect(answer.status).toBe(201);
  return answer.body as {
    uploadId: string;
    url: string;
    method: string;
    headers: Record<string, string>;
    expiresAt: string;
  };
};

/** The integrator's PUT, as the contract describes it: plain fetch with the answered method and headers. */
const put = (upload: { url: string; method: string; headers: Record<string, string> }, body: Buffer) =>
  fetch(upload.url, { method: upload.method, headers: upload.headers, body });

/** An upload of `document` (announcing `contentLength`, its length unless given), PUT; the upload's id. */
const uploaded = async (apiKey: string, document: Buffer, contentLength = document.length) => {
  const upload = await createUpload(apiKey, contentLength);
  const { 'content-length': _signed, ...others } = upload.headers;
  // A PUT of another length than announced leaves the signed length out (fetch sends the body's
  // own): fauxqs checks no signature, so it takes it; S3 would refuse it (403).
  const response =
    contentLength === document.length
      ? await put(upload, document)
      : await fetch(upload.url, { method: 'PUT', headers: others, body: document });
  expect(response.status).toBe(200);
  return upload.uploadId;
};

const sendUploaded = (apiKey: string, uploadId: string, headers: Record<string, string> = {}) =>
  conveyor.send(apiKey, { meta: META, dataUpload: uploadId }, headers);

const tagOf = async (sourceId: string, uploadId: string) => {
  const { TagSet } = await s3.send(
    new GetObjectTaggingCommand({
      Bucket: conveyor.local.config.store.payloadBucket,
      Key: uploadObjectKey(sourceId, uploadId),
    }),
  );
  return TagSet;
};

/** Waits until both receivers accepted `count` deliveries; answers the message ids each got, in order. */
const deliveredIds = async (count: number) => {
  const ids: string[][] = [];
  for (const receiver of receivers) {
    await waitFor(() => accepted(receiver).length >= count, `${count} deliveries`, 180_000);
    ids.push(accepted(receiver).map((delivery) => deliveredMessageId(delivery.body)));
  }
  return ids;
};

/** Forgets what the receivers got (50 MB bodies are not kept longer than their check). */
const forgetDeliveries = () => {
  for (const receiver of receivers) receiver.received.length = 0;
};

it('answers a presigned PUT of exactly the announced bytes, signed with its headers, that takes the document once', async () => {
  const document = Buffer.from('{"patient":{"mrn":"12345"}}');
  const upload = await createUpload(source.apiKey, document.length);

  expect(upload.uploadId).toMatch(/^upl_[0-9A-HJKMNP-TV-Z]{26}$/);
  expect(upload.method).toBe('PUT');
  expect(upload.headers).toEqual({
    'content-length': String(document.length),
    'if-none-match': '*',
    'x-amz-tagging': 'conveyor-upload=unused',
  });
  const url = new URL(upload.url);
  expect(url.pathname).toBe(
    `/${conveyor.local.config.store.payloadBucket}/${uploadObjectKey(source.id, upload.uploadId)}`,
  );
  expect(url.searchParams.get('X-Amz-Expires')).toBe('900');
  expect(url.searchParams.get('X-Amz-SignedHeaders')).toBe('content-length;host;if-none-match;x-amz-tagging');
  // expiresAt is when the signature runs out: its date (whole seconds) plus its 900 s.
  const signedAt = url.searchParams
    .get('X-Amz-Date')!
    .replace(/^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/, '$1-$2-$3T$4:$5:$6.000Z');
  expect(Date.parse(upload.expiresAt) - Date.parse(signedAt)).toBe(900_000);

  expect((await put(upload, document)).status).toBe(200);
  expect(await tagOf(source.id, upload.uploadId)).toEqual([{ Key: 'conveyor-upload', Value: 'unused' }]);
  // The same URL again (within its 15 minutes) cannot replace the document: If-None-Match.
  const again = await put(upload, Buffer.from('{"patient":{"mrn":"99999"}}'));
  expect(again.status).toBe(412);
});

it('delivers a 20 MB and a 50 MB document byte for byte to two destinations, signed, then keeps it for the retention and removes the upload', async () => {
  const sent: Array<{ messageId: string; sha256: string; uploadId: string }> = [];
  for (const [bytes, tag] of [
    [20 * MB, 'twenty'],
    [50 * MB, 'fifty'],
  ] as const) {
    const document = documentOf(bytes, tag);
    const uploadId = await uploaded(source.apiKey, document);
    const answer = await sendUploaded(source.apiKey, uploadId);
    expect(answer.status).toBe(200);
    expect(
      answer.body.transmissions.map((transmission: { destinationId: string }) => transmission.destinationId),
    ).toEqual(destinations.map((destination) => destination.id));
    sent.push({ messageId: answer.body.messageId, sha256: digest(document), uploadId });
  }

  expect(await deliveredIds(2)).toEqual([
    sent.map(({ messageId }) => messageId),
    sent.map(({ messageId }) => messageId),
  ]);
  receivers.forEach((receiver, index) => {
    expect(accepted(receiver).map((delivery) => digest(deliveredData(delivery.body)))).toEqual(
      sent.map(({ sha256 }) => sha256),
    );
    // Signed over the exact bytes: the standardwebhooks library verifies the 20 MB body.
    const [twenty] = accepted(receiver);
    expect(() =>
      new Webhook(destinations[index]!.signingSecret).verify(twenty!.body, twenty!.headers as Record<string, string>),
    ).not.toThrow();
  });
  forgetDeliveries();
  // Settled (both destinations have it): the upload, its in-flight object, goes once the payload is
  // kept under retained/, the same bytes (after the delivery, when each batch ends).
  const bucket = conveyor.local.config.store.payloadBucket;
  for (const { messageId, sha256, uploadId } of sent) {
    await waitFor(async () => {
      try {
        await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: uploadObjectKey(source.id, uploadId) }));
        return false;
      } catch {
        return true;
      }
    }, 'the upload to be removed');
    const kept = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: `retained/${messageId}` }));
    expect(
      createHash('sha256')
        .update(await kept.Body!.transformToByteArray())
        .digest('hex'),
    ).toBe(sha256);
  }
});

it.each([
  ['0', { contentLength: 0 }, 'contentLength must be at least 1 byte.'],
  ['50,000,001', { contentLength: 50_000_001 }, 'contentLength must be at most 50,000,000 bytes.'],
  ['"12"', { contentLength: '12' }, 'contentLength must be an integer number of bytes.'],
  ['1.5', { contentLength: 1.5 }, 'contentLength must be an integer number of bytes.'],
  ['missing', {}, 'contentLength is required.'],
  ['beside an unknown field', { contentLength: 12, name: 'x' }, 'name is not a known field.'],
])(
  'refuses an upload whose contentLength is %s with 400 invalid_request naming the field',
  async (_case, body, message) => {
    const answer = await conveyor.request('POST', '/v1/uploads', { body, headers: authorized(source.apiKey) });
    expect(answer).toEqual({ status: 400, body: { error: { code: 'invalid_request', message } } });
  },
);

it('refuses an upload without a valid API key with 401', async () => {
  const answer = await conveyor.request('POST', '/v1/uploads', { body: { contentLength: 10 } });
  expect(answer.status).toBe(401);
  expect(answer.body.error.code).toBe('unauthorized');
});

it('answers every wrong use of an upload with its code, never quoting the document, and enqueues nothing for it', async () => {
  const refusals: Array<[string, { status: number; body: any }, number, string, RegExp]> = [];
  const expectRefused = async (
    what: string,
    answer: Promise<{ status: number; body: any }>,
    status: number,
    code: string,
    message: RegExp,
  ) => refusals.push([what, await answer, status, code, message]);
  const PHI = 'Jane Roe 1961-04-02';
  const good = Buffer.from(JSON.stringify({ patient: PHI }));

  await expectRefused(
    'neither data nor dataUpload',
    conveyor.send(source.apiKey, { meta: META }),
    400,
    'invalid_request',
    /needs data .* or dataUpload/,
  );
  await expectRefused(
    'both data and dataUpload',
    conveyor.send(source.apiKey, { meta: META, data: {}, dataUpload: await uploaded(source.apiKey, good) }),
    400,
    'invalid_request',
    /has both data and dataUpload/,
  );
  await expectRefused(
    'a malformed upload id',
    conveyor.send(source.apiKey, { meta: META, dataUpload: 'upl_nope' }),
    400,
    'invalid_request',
    /^dataUpload must be an upload id\.$/,
  );
  await expectRefused(
    'an unknown upload',
    sendUploaded(source.apiKey, 'upl_01M7XC4Q2B9D6HPJ8V3K5T7W1N'),
    404,
    'upload_not_found',
    /^dataUpload names "upl_01M7XC4Q2B9D6HPJ8V3K5T7W1N", which is not an upload of this source/,
  );
  await expectRefused(
    "another source's upload",
    sendUploaded(source.apiKey, await uploaded(otherSource.apiKey, good)),
    404,
    'upload_not_found',
    /not an upload of this source/,
  );
  // Announced, never sent yet: incomplete, and still usable once it is sent.
  const pending = await createUpload(source.apiKey, good.length);
  await expectRefused(
    'an upload not sent yet',
    sendUploaded(source.apiKey, pending.uploadId),
    409,
    'upload_incomplete',
    /^Nothing has been uploaded to this upload yet\./,
  );
  await expectRefused(
    'an upload of fewer bytes than announced',
    sendUploaded(source.apiKey, await uploaded(source.apiKey, good, good.length + 10)),
    409,
    'upload_incomplete',
    new RegExp(`^The upload holds ${good.length} bytes, not the ${good.length + 10} it announced\\.`),
  );
  await expectRefused(
    'an upload of more bytes than announced',
    sendUploaded(source.apiKey, await uploaded(source.apiKey, good, good.length - 1)),
    409,
    'upload_incomplete',
    /holds \d+ bytes, not the \d+ it announced/,
  );
  for (const [what, document, rule] of [
    ['a document that is not JSON', `{"patient":"${PHI}",}`, /is not valid JSON \(at byte \d+\)\.$/],
    ['a document with a key twice', `{"${PHI}":1,"${PHI}":2}`, /has a key twice in one object \(at byte 25\)/],
    ['a document cut short', `{"patient":"${PHI}"`, /ends before its JSON is complete\.$/],
    ['a document nested 65 levels', `${'['.repeat(65)}"${PHI}"${']'.repeat(65)}`, /is nested deeper than 64 levels/],
    ['a document with a byte order mark', `\uFEFF{"patient":"${PHI}"}`, /starts with a byte order mark/],
  ] as const) {
    await expectRefused(
      what,
      sendUploaded(source.apiKey, await uploaded(source.apiKey, Buffer.from(document, 'utf8'))),
      400,
      'invalid_upload',
      new RegExp(`^The uploaded document \\(dataUpload\\) ${rule.source.replace(/^\^/, '')}`),
    );
  }
  const once = await uploaded(source.apiKey, good);
  const used = await sendUploaded(source.apiKey, once);
  expect(used.status).toBe(200);
  await expectRefused(
    'an upload used already',
    sendUploaded(source.apiKey, once),
    409,
    'upload_used',
    /already serves a message/,
  );

  for (const [what, answer, status, code, message] of refusals) {
    expect({ what, status: answer.status, code: answer.body.error.code }).toEqual({ what, status, code });
    expect({ what, message: answer.body.error.message }).toEqual({ what, message: expect.stringMatching(message) });
    expect(answer.body.error.message).not.toContain(PHI);
  }

  // The upload refused as incomplete was not used up: sent now, it serves a message.
  expect((await put(pending, good)).status).toBe(200);
  const completed = await sendUploaded(source.apiKey, pending.uploadId);
  expect(completed.status).toBe(200);
  // Delivered after anything enqueued before it: arriving third, after the two accepted, the
  // refused messages were never enqueued.
  const sentinel = await conveyor.send(source.apiKey, { meta: META, data: { sentinel: true } });
  expect(sentinel.status).toBe(200);
  const expected = [used.body.messageId, completed.body.messageId, sentinel.body.messageId];
  expect(await deliveredIds(3)).toEqual([expected, expected]);
  for (const receiver of receivers) {
    expect(deliveredData(accepted(receiver)[0]!.body).equals(good)).toBe(true);
    expect(accepted(receiver)).toHaveLength(3);
  }
  forgetDeliveries();
});

it('lets one of two messages naming the same upload at once take it; the other answers 409 upload_used', async () => {
  const uploadId = await uploaded(source.apiKey, Buffer.from('{"race":1}'));
  const answers = await Promise.all([sendUploaded(source.apiKey, uploadId), sendUploaded(source.apiKey, uploadId)]);
  expect(answers.map(({ status }) => status).sort()).toEqual([200, 409]);
  expect(answers.find(({ status }) => status === 409)!.body.error.code).toBe('upload_used');
  const winner = answers.find(({ status }) => status === 200)!.body.messageId;
  expect(await deliveredIds(1)).toEqual([[winner], [winner]]);
  forgetDeliveries();
});

it('answers a repeat with the same Idempotency-Key with the first answer, not upload_used, and enqueues nothing new', async () => {
  const uploadId = await uploaded(source.apiKey, Buffer.from('{"repeat":1}'));
  const headers = { 'idempotency-key': `upload-${uploadId}` };
  const firstAnswer = await sendUploaded(source.apiKey, uploadId, headers);
  expect(firstAnswer.status).toBe(200);
  expect(await sendUploaded(source.apiKey, uploadId, headers)).toEqual(firstAnswer);

  const sentinel = await conveyor.send(source.apiKey, { meta: META, data: { sentinel: 2 } });
  const expected = [firstAnswer.body.messageId, sentinel.body.messageId];
  expect(await deliveredIds(2)).toEqual([expected, expected]);
  forgetDeliveries();
});

it('refuses an inline body of 3,000,001 bytes with 413, naming the upload route', async () => {
  const head = `{"meta":${JSON.stringify(META)},"data":"`;
  const body = `${head}${'x'.repeat(3_000_001 - head.length - 2)}"}`;
  expect(Buffer.byteLength(body)).toBe(3_000_001);
  const answer = await conveyor.request('POST', '/v1/messages', {
    rawBody: body,
    headers: { ...authorized(source.apiKey), 'content-type': 'application/json' },
  });
  expect(answer.status).toBe(413);
  expect(answer.body.error.code).toBe('payload_too_large');
  expect(answer.body.error.message).toContain('POST /v1/uploads');
});

describe('with uploads usable for 0 seconds (UPLOAD_USABLE_SECONDS)', () => {
  let expiring: TestConveyor;
  afterAll(async () => expiring?.stop());

  it('answers a message naming an expired upload with 404 upload_not_found, as for an unknown one', async () => {
    expiring = await startTestConveyor({ [ENV.UPLOAD_USABLE_SECONDS]: '0' });
    const route = await expiring.createRoute(first.url, META.dataModel);
    const document = Buffer.from('{"late":true}');
    const created = await expiring.request('POST', '/v1/uploads', {
      body: { contentLength: document.length },
      headers: authorized(route.source.apiKey),
    });
    expect(created.status).toBe(201);
    expect((await put(created.body, document)).status).toBe(200);

    const answer = await expiring.send(route.source.apiKey, { meta: META, dataUpload: created.body.uploadId });
    expect(answer.status).toBe(404);
    expect(answer.body.error.code).toBe('upload_not_found');
  });
});
