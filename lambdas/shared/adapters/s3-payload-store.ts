import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
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
    await this.client.send(new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: rawData, ContentType: 'application/json; charset=utf-8' }));
    return key;
  }

  async get(reference: string): Promise<string> {
    const object = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: reference }));
    return object.Body!.transformToString('utf-8');
  }
}

/** The payload store the environment names (`PAYLOAD_BUCKET`; path-style addressing for a local stand-in). */
export const createS3PayloadStore = (bucket: string): S3PayloadStore =>
  new S3PayloadStore(new S3Client({ forcePathStyle: process.env.PAYLOAD_BUCKET_PATH_STYLE === 'true' }), bucket);
