import {
  DeleteObjectCommand,
  GetObjectCommand,
  PutObjectCommand,
  S3Client,
  type S3ClientConfig,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import type { PayloadReference } from '../domain/envelope';
import { PayloadChangedError, type PayloadStore } from '../ports/payloads';

/**
 * Large payloads in the deployment's S3 bucket, which the stack encrypts with the customer key,
 * keeps TLS-only and expires after the payload retention. Stored before any queue entry refers to
 * them, so a reference always resolves. Uploaded documents are read from the same bucket, by the
 * key and ETag their message's entries carry.
 */
export class S3PayloadStore implements PayloadStore {
  constructor(
    private readonly client: S3Client,
    private readonly bucket: string,
  ) {}

  async put(messageId: string, rawData: string): Promise<string> {
    const key = `payloads/${messageId}`;
    await this.client.send(
      new PutObjectCommand({
        Bucket: this.bucket,
        Key: key,
        Body: rawData,
        ContentType: 'application/json; charset=utf-8',
      }),
    );
    return key;
  }

  async get(reference: PayloadReference): Promise<Buffer> {
    try {
      const object = await this.client.send(
        new GetObjectCommand({
          Bucket: this.bucket,
          Key: reference.key,
          ...(reference.etag === undefined ? {} : { IfMatch: reference.etag }),
        }),
      );
      const bytes = await object.Body!.transformToByteArray();
      return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    } catch (error) {
      if (error instanceof S3ServiceException && error.$metadata.httpStatusCode === 412) {
        throw new PayloadChangedError(`The payload object ${reference.key} changed after ingest checked it`);
      }
      throw error;
    }
  }

  async remove(reference: PayloadReference): Promise<void> {
    // In the versioned bucket this leaves a delete marker; the object's version goes after a day
    // (the bucket's noncurrent-version rule). Deleting a key that is gone succeeds.
    await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: reference.key }));
  }
}

/** The payload store of `bucket`, over a client configured by the caller (path-style for a local stand-in). */
export const createS3PayloadStore = (bucket: string, clientConfig: S3ClientConfig = {}): S3PayloadStore =>
  new S3PayloadStore(new S3Client(clientConfig), bucket);
