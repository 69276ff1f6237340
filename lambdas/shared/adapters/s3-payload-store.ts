import { GetObjectCommand, PutObjectCommand, S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';
import type { PayloadStore } from '../ports/payloads';

/**
 * Large payloads in the deployment's S3 bucket, which the stack encrypts with the customer key,
 * keeps TLS-only and expires after the payload retention. Stored before any queue entry refers to
 * them, so a reference always resolves.
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

  async get(reference: string): Promise<string> {
    const object = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: reference }));
    return object.Body!.transformToString('utf-8');
  }
}

/** The payload store of `bucket`, over a client configured by the caller (path-style for a local stand-in). */
export const createS3PayloadStore = (bucket: string, clientConfig: S3ClientConfig = {}): S3PayloadStore =>
  new S3PayloadStore(new S3Client(clientConfig), bucket);
