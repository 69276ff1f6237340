import {
  CopyObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  NotFound,
  NoSuchKey,
  PutObjectCommand,
  S3Client,
  type S3ClientConfig,
} from '@aws-sdk/client-s3';
import type { PayloadReference } from '../domain/envelope';
import type { PayloadArchive, RestoredPayload } from '../ports/redeliveries';

/**
 * Where kept payloads live: the bucket's lifecycle rule on this prefix deletes them once the
 * payload retention is over (`PayloadBucket` in lib/constructs/payload-bucket.ts).
 */
export const RETAINED_PREFIX = 'retained/';
/** Where copies made for the queue live: like the payload store's, kept until delivered, never by the window. */
const REQUEUED_PREFIX = 'payloads/redelivered/';

const retainedKey = (messageId: string) => `${RETAINED_PREFIX}${messageId}`;

/** S3 names the source of a copy as `bucket/key`, the key URL-encoded. */
const copySource = (bucket: string, key: string) => `${bucket}/${key.split('/').map(encodeURIComponent).join('/')}`;

const isMissing = (error: unknown) => error instanceof NotFound || error instanceof NoSuchKey;

/**
 * Delivered payloads in the deployment's payload bucket (KMS-encrypted by the bucket's default, TLS
 * only), one object per message under `retained/`. Keeping a payload again (a second destination,
 * a redelivery) writes the object again, so its lifecycle window starts from the latest delivery.
 */
export class S3PayloadArchive implements PayloadArchive {
  constructor(
    private readonly client: S3Client,
    private readonly bucket: string,
  ) {}

  async keep(
    messageId: string,
    payload: { readonly rawData: string } | { readonly reference: PayloadReference },
  ): Promise<void> {
    const Key = retainedKey(messageId);
    if ('rawData' in payload) {
      await this.client.send(
        new PutObjectCommand({
          Bucket: this.bucket,
          Key,
          Body: payload.rawData,
          ContentType: 'application/json; charset=utf-8',
        }),
      );
      return;
    }
    // A copy within S3 (up to 5 GB in one call): the payload never passes through the function;
    // an upload's only while it has the ETag ingest checked (the bytes that were delivered).
    const { reference } = payload;
    try {
      await this.client.send(
        new CopyObjectCommand({
          Bucket: this.bucket,
          Key,
          CopySource: copySource(this.bucket, reference.key),
          ...(reference.etag === undefined ? {} : { CopySourceIfMatch: reference.etag }),
        }),
      );
    } catch (error) {
      // Another destination's delivery of the same message settled it and removed the in-flight
      // object after keeping its own copy: the payload is kept already.
      if (!isMissing(error) || !(await this.exists(Key))) throw error;
    }
  }

  private async exists(Key: string): Promise<boolean> {
    try {
      await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key }));
      return true;
    } catch (error) {
      if (isMissing(error)) return false;
      throw error;
    }
  }

  async restore(messageId: string, maxInlineBytes: number): Promise<RestoredPayload | undefined> {
    const Key = retainedKey(messageId);
    let size: number;
    try {
      const head = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key }));
      size = head.ContentLength ?? 0;
    } catch (error) {
      if (isMissing(error)) return undefined;
      throw error;
    }
    if (size <= maxInlineBytes) {
      try {
        const object = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key }));
        return { rawData: await object.Body!.transformToString('utf-8') };
      } catch (error) {
        if (isMissing(error)) return undefined;
        throw error;
      }
    }
    // Too large for the queue: a copy the window does not delete while it waits to be delivered.
    const reference = `${REQUEUED_PREFIX}${messageId}`;
    try {
      await this.client.send(
        new CopyObjectCommand({ Bucket: this.bucket, Key: reference, CopySource: copySource(this.bucket, Key) }),
      );
    } catch (error) {
      if (isMissing(error)) return undefined;
      throw error;
    }
    return { reference: { key: reference, bytes: size } };
  }
}

/** The payload archive in `bucket`, over a client configured by the caller (path-style for a local stand-in). */
export const createS3PayloadArchive = (bucket: string, clientConfig: S3ClientConfig = {}): S3PayloadArchive =>
  new S3PayloadArchive(new S3Client(clientConfig), bucket);
