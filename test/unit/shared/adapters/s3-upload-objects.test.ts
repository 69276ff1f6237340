import { GetObjectCommand, NoSuchKey, PutObjectTaggingCommand, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { Readable } from 'node:stream';
import { createS3UploadObjects, S3UploadObjects } from '../../../../lambdas/shared/adapters/s3-upload-objects';

const NOW = new Date('2026-11-26T10:00:00.400Z');
const KEY = 'uploads/src_01M7W4C9Z8D0Q3XN5B2H7K1JTR/upl_01M7XC4Q2B9D6HPJ8V3K5T7W1N';

/** A body as the SDK hands it over in Node: a stream that can also collect itself. */
const bodyOf = (bytes: Buffer) =>
  Object.assign(Readable.from([bytes.subarray(0, 3), bytes.subarray(3)]), {
    transformToByteArray: async () => new Uint8Array(bytes),
  });

const s3 = mockClient(S3Client);
beforeEach(() => s3.reset());

describe('S3UploadObjects.presignPut', () => {
  /** A presigning client whose credentials expire at `expiration` (never, when undefined). */
  const objectsWith = (expiration?: Date) =>
    createS3UploadObjects(
      'conveyor-payloads',
      {
        region: 'eu-west-1',
        credentials: async () => ({
          accessKeyId: 'ASIAEXAMPLE',
          secretAccessKey: 'secret',
          sessionToken: 'session-token',
          ...(expiration ? { expiration } : {}),
        }),
      },
      () => NOW,
    );

  it('signs a PUT of exactly contentLength bytes that cannot replace an object and tags it unused, for 900 s', async () => {
    const presigned = await objectsWith().presignPut(KEY, 18_500_000, 900);

    expect(presigned.headers).toEqual({
      'content-length': '18500000',
      'if-none-match': '*',
      'x-amz-tagging': 'conveyor-upload=unused',
    });
    const url = new URL(presigned.url);
    expect(`${url.host}${url.pathname}`).toBe(`conveyor-payloads.s3.eu-west-1.amazonaws.com/${KEY}`);
    expect(Object.fromEntries(url.searchParams)).toEqual({
      'X-Amz-Algorithm': 'AWS4-HMAC-SHA256',
      'X-Amz-Content-Sha256': 'UNSIGNED-PAYLOAD',
      'X-Amz-Credential': 'ASIAEXAMPLE/20261126/eu-west-1/s3/aws4_request',
      // Whole seconds: the URL runs out exactly at expiresAt.
      'X-Amz-Date': '20261126T100000Z',
      'X-Amz-Expires': '900',
      'X-Amz-Security-Token': 'session-token',
      'X-Amz-Signature': expect.stringMatching(/^[0-9a-f]{64}$/),
      'X-Amz-SignedHeaders': 'content-length;host;if-none-match;x-amz-tagging',
      'x-id': 'PutObject',
    });
    // No checksum of the empty body presigned, which every real upload would fail.
    expect(presigned.url).not.toMatch(/checksum/i);
    expect(presigned.expiresAt).toBe('2026-11-26T10:15:00.000Z');
  });

  it('cuts the URL short of credentials that expire sooner, by a minute, and says so in expiresAt', async () => {
    const presigned = await objectsWith(new Date('2026-11-26T10:06:00.000Z')).presignPut(KEY, 10, 900);

    expect(new URL(presigned.url).searchParams.get('X-Amz-Expires')).toBe('300');
    expect(presigned.expiresAt).toBe('2026-11-26T10:05:00.000Z');
  });

  it('refuses to sign with credentials about to expire', async () => {
    await expect(objectsWith(new Date('2026-11-26T10:01:00.000Z')).presignPut(KEY, 10, 900)).rejects.toThrow(
      'expire now',
    );
  });
});

describe('S3UploadObjects.open and markUsed', () => {
  const objects = new S3UploadObjects(new S3Client({ region: 'eu-west-1' }), 'conveyor-payloads', () => NOW);

  it('opens the object as a stream with its length and ETag', async () => {
    s3.on(GetObjectCommand).resolves({
      Body: bodyOf(Buffer.from('{"a":1}')) as never,
      ContentLength: 7,
      ETag: '"etag-1"',
    });

    const opened = await objects.open(KEY);

    expect(s3).toHaveReceivedCommandWith(GetObjectCommand, { Bucket: 'conveyor-payloads', Key: KEY });
    expect(opened).toMatchObject({ contentLength: 7, etag: '"etag-1"' });
    const chunks: Buffer[] = [];
    for await (const chunk of opened!.body) chunks.push(Buffer.from(chunk));
    expect(Buffer.concat(chunks).toString()).toBe('{"a":1}');
  });

  it('answers undefined when nothing was uploaded', async () => {
    s3.on(GetObjectCommand).rejects(new NoSuchKey({ message: 'The specified key does not exist.', $metadata: {} }));

    expect(await objects.open(KEY)).toBeUndefined();
  });

  it('tags the object used, replacing the unused tag', async () => {
    s3.on(PutObjectTaggingCommand).resolves({});

    await objects.markUsed(KEY);

    expect(s3).toHaveReceivedCommandWith(PutObjectTaggingCommand, {
      Bucket: 'conveyor-payloads',
      Key: KEY,
      Tagging: { TagSet: [{ Key: 'conveyor-upload', Value: 'used' }] },
    });
  });
});
