import {
  CopyObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  NoSuchKey,
  NotFound,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { createS3PayloadArchive } from '../../../../lambdas/shared/adapters/s3-payload-archive';

const s3 = mockClient(S3Client);
beforeEach(() => s3.reset());

const archive = createS3PayloadArchive('conveyor-payloads', { region: 'eu-west-1' });
const missing = () => new NoSuchKey({ message: 'The specified key does not exist.', $metadata: {} });
const notFound = () => new NotFound({ message: 'Not Found', $metadata: { httpStatusCode: 404 } });

describe('S3PayloadArchive.keep', () => {
  it('puts an inline payload under retained/<messageId>, as sent', async () => {
    s3.on(PutObjectCommand).resolves({});
    await archive.keep('msg_1', { rawData: '{"name":"Zoë"}' });
    expect(s3).toHaveReceivedCommandWith(PutObjectCommand, {
      Bucket: 'conveyor-payloads',
      Key: 'retained/msg_1',
      Body: '{"name":"Zoë"}',
      ContentType: 'application/json; charset=utf-8',
    });
  });

  it('copies a payload from the store within S3, an upload only while it has the ETag ingest checked', async () => {
    s3.on(CopyObjectCommand).resolves({});
    await archive.keep('msg_1', { reference: { key: 'uploads/src_1/upl_1', etag: '"e1"', bytes: 20 } });
    await archive.keep('msg_2', { reference: { key: 'payloads/msg_2' } });
    expect(s3.commandCalls(CopyObjectCommand).map((call) => call.args[0].input)).toEqual([
      {
        Bucket: 'conveyor-payloads',
        Key: 'retained/msg_1',
        CopySource: 'conveyor-payloads/uploads/src_1/upl_1',
        CopySourceIfMatch: '"e1"',
      },
      { Bucket: 'conveyor-payloads', Key: 'retained/msg_2', CopySource: 'conveyor-payloads/payloads/msg_2' },
    ]);
  });

  it('counts a source removed by the delivery that settled the message as kept, when its copy is there', async () => {
    s3.on(CopyObjectCommand).rejects(missing());
    s3.on(HeadObjectCommand).resolvesOnce({ ContentLength: 20 }).rejectsOnce(notFound());

    await expect(archive.keep('msg_1', { reference: { key: 'payloads/msg_1' } })).resolves.toBeUndefined();
    await expect(archive.keep('msg_1', { reference: { key: 'payloads/msg_1' } })).rejects.toThrow(
      'The specified key does not exist.',
    );
  });
});

describe('S3PayloadArchive.restore', () => {
  it('reads a small kept payload as text', async () => {
    s3.on(HeadObjectCommand).resolves({ ContentLength: 14 });
    s3.on(GetObjectCommand).resolves({
      Body: { transformToString: async () => '{"name":"Zoë"}' } as never,
    });
    expect(await archive.restore('msg_1', 100)).toEqual({ rawData: '{"name":"Zoë"}' });
  });

  it('copies a large one back where the queue’s references point (kept until delivered, not by the window)', async () => {
    s3.on(HeadObjectCommand).resolves({ ContentLength: 50_000_000 });
    s3.on(CopyObjectCommand).resolves({});
    expect(await archive.restore('msg_1', 545_840)).toEqual({
      reference: { key: 'payloads/redelivered/msg_1', bytes: 50_000_000 },
    });
    expect(s3).toHaveReceivedCommandWith(CopyObjectCommand, {
      Key: 'payloads/redelivered/msg_1',
      CopySource: 'conveyor-payloads/retained/msg_1',
    });
    expect(s3).not.toHaveReceivedCommand(GetObjectCommand);
  });

  it('answers undefined when nothing is kept (the window is over, or retention was 0)', async () => {
    s3.on(HeadObjectCommand).rejects(notFound());
    expect(await archive.restore('msg_1', 100)).toBeUndefined();
  });

  it('throws any other failure', async () => {
    s3.on(HeadObjectCommand).rejects(new Error('AccessDenied'));
    await expect(archive.restore('msg_1', 100)).rejects.toThrow('AccessDenied');
  });
});
