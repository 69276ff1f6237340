import {
  GetObjectCommand,
  NoSuchKey,
  PutObjectCommand,
  PutObjectTaggingCommand,
  S3Client,
  type S3ClientConfig,
} from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { Readable } from 'node:stream';
import { UPLOAD_TAG } from '../domain/uploads';
import type { Clock } from '../ports/observe';
import type { OpenedUpload, UploadObjects } from '../ports/uploads';

/** Signing leaves this much (ms) of the credentials' life unused: the clocks of S3 and the function may differ. */
const CREDENTIALS_MARGIN_MS = 60_000;

/**
 * Uploads' objects in the payload bucket (KMS-encrypted by the bucket's default; the signer's role
 * needs kms:GenerateDataKey, as for any PutObject to it).
 *
 * The PUT is presigned with the function's own credentials, so it carries the function's
 * permissions (s3:PutObject and s3:PutObjectTagging on `uploads/*`) and its signed headers:
 * - `content-length`: S3 refuses a body of any other size (the signature covers it);
 * - `if-none-match: *`: S3 refuses a second PUT once the object exists (a conditional write), so
 *   the URL, reusable for its 15 minutes, cannot replace a document after ingest checked it;
 * - `x-amz-tagging: conveyor-upload=unused`: the lifecycle rule for unused uploads applies from
 *   the start. Kept a header (not hoisted into the query), as S3 reads tagging from the header.
 * The integrator must send exactly these headers (`PresignedUpload.headers`).
 *
 * Temporary credentials: a presigned URL stops working when the credentials that signed it
 * expire, "even if the URL was created with a later expiration time" (Amazon S3 User Guide,
 * "Download and upload objects with presigned URLs"; AWS re:Post "Why is my presigned URL for an
 * Amazon S3 bucket expiring before the expiration time that I specified?", which adds that
 * services assuming a role, "such as the AWS Lambda execution role, don't necessarily comply with
 * the role's session duration settings"). Lambda hands a function its role's session credentials
 * in environment variables, without their expiry. So: when the credentials do report an
 * `expiration` (every refreshing provider does; the SDK refreshes 5 minutes before it), the URL's
 * `expiresAt` is cut to a minute before it, so the answer never promises more than the URL keeps;
 * when they do not, the URL is signed for the full 15 minutes and an integrator whose PUT answers
 * 403 `ExpiredToken` asks for a new upload (nothing is used up by an unused one). A dedicated
 * signing role assumed with a known session length would close that gap, at the price of an STS
 * call and a role (not done: @aws-sdk/client-sts is not a dependency).
 *
 * The presigning client is built with `requestChecksumCalculation: 'WHEN_REQUIRED'`: otherwise
 * the SDK signs a CRC32 checksum of the (empty) body it presigns into the URL, and every real
 * upload would fail it.
 */
export class S3UploadObjects implements UploadObjects {
  constructor(
    private readonly client: S3Client,
    private readonly bucket: string,
    private readonly clock: Clock,
  ) {}

  async presignPut(key: string, contentLength: number, validSeconds: number) {
    // SigV4 dates are whole seconds (X-Amz-Date), and the URL expires X-Amz-Expires after it.
    const signedAt = new Date(Math.floor(this.clock().getTime() / 1000) * 1000);
    const credentials = await this.client.config.credentials();
    const credentialsLeftSeconds = credentials.expiration
      ? Math.floor((credentials.expiration.getTime() - CREDENTIALS_MARGIN_MS - signedAt.getTime()) / 1000)
      : Number.POSITIVE_INFINITY;
    const expiresIn = Math.min(validSeconds, credentialsLeftSeconds);
    if (expiresIn < 1) throw new Error('The credentials to sign an upload with expire now; retry');
    const headers = {
      'content-length': String(contentLength),
      'if-none-match': '*',
      'x-amz-tagging': `${UPLOAD_TAG.key}=${UPLOAD_TAG.unused}`,
    };
    const url = await getSignedUrl(
      this.client,
      new PutObjectCommand({
        Bucket: this.bucket,
        Key: key,
        ContentLength: contentLength,
        IfNoneMatch: headers['if-none-match'],
        Tagging: headers['x-amz-tagging'],
      }),
      {
        expiresIn,
        signingDate: signedAt,
        signableHeaders: new Set(Object.keys(headers)),
        unhoistableHeaders: new Set(['x-amz-tagging']),
      },
    );
    return { url, headers, expiresAt: new Date(signedAt.getTime() + expiresIn * 1000).toISOString() };
  }

  async open(key: string): Promise<OpenedUpload | undefined> {
    try {
      const object = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
      const body = object.Body;
      if (!(body instanceof Readable) || object.ETag === undefined || object.ContentLength === undefined) {
        throw new Error('S3 answered GetObject without a stream, an ETag or a length');
      }
      return {
        contentLength: object.ContentLength,
        etag: object.ETag,
        body,
        discard: () => body.destroy(),
      };
    } catch (error) {
      if (error instanceof NoSuchKey) return undefined;
      throw error;
    }
  }

  async markUsed(key: string): Promise<void> {
    await this.client.send(
      new PutObjectTaggingCommand({
        Bucket: this.bucket,
        Key: key,
        Tagging: { TagSet: [{ Key: UPLOAD_TAG.key, Value: UPLOAD_TAG.used }] },
      }),
    );
  }
}

/** The uploads of `bucket`, over a client of `clientConfig` (the stand-in's endpoint, path-style, locally). */
export const createS3UploadObjects = (bucket: string, clientConfig: S3ClientConfig, clock: Clock): S3UploadObjects =>
  new S3UploadObjects(new S3Client({ ...clientConfig, requestChecksumCalculation: 'WHEN_REQUIRED' }), bucket, clock);
