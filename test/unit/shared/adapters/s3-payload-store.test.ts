import { GetObjectCommand, S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { Readable } from 'node:stream';
import { S3PayloadStore } from '../../../../lambdas/shared/adapters/s3-payload-store';
import { PayloadChangedError } from '../../../../lambdas/shared/ports/payloads';

const KEY = 'uploads/src_01M7W4C9Z8D0Q3XN5B2H7K1JTR/upl_01M7XC4Q2B9D6HPJ8V3K5T7W1N';

/** A body as the SDK hands it over in Node: a stream that can also collect itself. */
const bodyOf = (bytes: Buffer) =>
  Object.assign(Readable.from([bytes]), { transformToByteArray: async () => new Uint8Array(bytes) });

const s3 = mockClient(S3Client);
beforeEach(() => s3.reset());

describe('S3PayloadStore.get', () => {
  const store = new S3PayloadStore(new S3Client({ region: 'eu-west-1' }), 'conveyor-payloads');

  it('reads an upload only while it has the ETag ingest checked, as bytes', async () => {
    s3.on(GetObjectCommand).resolves({ Body: bodyOf(Buffer.from('{"é":1}')) as never });

    const bytes = await store.get({ key: KEY, bytes: 8, etag: '"etag-1"' });

    expect(s3).toHaveReceivedCommandWith(GetObjectCommand, {
      Bucket: 'conveyor-payloads',
      Key: KEY,
      IfMatch: '"etag-1"',
    });
    expect(bytes.equals(Buffer.from('{"é":1}'))).toBe(true);
  });

  it('reads a payload written by ingest without a condition', async () => {
    s3.on(GetObjectCommand).resolves({ Body: bodyOf(Buffer.from('{}')) as never });

    await store.get({ key: 'payloads/msg_1' });

    expect(s3.commandCalls(GetObjectCommand)[0]!.args[0].input).toEqual({
      Bucket: 'conveyor-payloads',
      Key: 'payloads/msg_1',
    });
  });

  it('throws PayloadChangedError when the object no longer has that ETag (412)', async () => {
    s3.on(GetObjectCommand).rejects(
      new S3ServiceException({
        name: 'PreconditionFailed',
        $fault: 'client',
        $metadata: { httpStatusCode: 412 },
        message: 'At least one of the pre-conditions you specified did not hold',
      }),
    );

    await expect(store.get({ key: KEY, etag: '"etag-1"' })).rejects.toBeInstanceOf(PayloadChangedError);
  });
});
