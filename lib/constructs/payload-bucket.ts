import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { type IGrantable, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import type { Function as LambdaFunction } from 'aws-cdk-lib/aws-lambda';
import { BlockPublicAccess, Bucket, BucketEncryption, ObjectOwnership } from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { UPLOAD_TAG, UPLOADS_PREFIX } from '../../lambdas/shared/domain/uploads';
import { ENV } from '../../lambdas/shared/runtime/env';

export interface PayloadBucketProps {
  /** The customer-managed key that encrypts payloads (PHI at rest). */
  readonly key: IKey;
  /**
   * How long a payload is kept: longer than any message can wait to be delivered or replayed,
   * pauses included (the spill keeps only the reference). @default 400 days
   */
  readonly retention?: Duration;
}

/**
 * Payloads too large for a queue message (entries too large for ten to fit one 6 MB delivery invocation, up to the 3,000,000-byte inline body): one object
 * per message, KMS-encrypted, TLS only, never public, versioned, access-logged, expired after the
 * payload retention. Uploads (`uploads/<sourceId>/<uploadId>`, up to 50 MB, PUT by integrators
 * with URLs ingest presigns) live here too: an upload a message took is that message's payload;
 * one no message took (tagged `conveyor-upload=unused`) expires after a day.
 */
export class PayloadBucket extends Construct {
  public readonly bucket: Bucket;
  private readonly key: IKey;

  constructor(scope: Construct, id: string, props: PayloadBucketProps) {
    super(scope, id);
    this.key = props.key;
    const retention = props.retention ?? Duration.days(400);
    // Server access logs can only go to a bucket with S3-managed encryption; they hold no payloads.
    const accessLogs = new Bucket(this, 'AccessLogs', {
      encryption: BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_PREFERRED,
      versioned: true,
      lifecycleRules: [{ expiration: Duration.days(400), noncurrentVersionExpiration: Duration.days(30) }],
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.bucket = new Bucket(this, 'Bucket', {
      encryption: BucketEncryption.KMS,
      encryptionKey: props.key,
      bucketKeyEnabled: true,
      enforceSSL: true,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      versioned: true,
      serverAccessLogsBucket: accessLogs,
      serverAccessLogsPrefix: 'payloads/',
      lifecycleRules: [
        {
          expiration: retention,
          noncurrentVersionExpiration: Duration.days(1),
          abortIncompleteMultipartUploadAfter: Duration.days(1),
        },
        {
          // Uploads no message took: a message tags its upload `used` before it is acknowledged,
          // and stops taking uploads an hour before this rule can reach them (domain/uploads.ts).
          id: 'UnusedUploads',
          prefix: UPLOADS_PREFIX,
          tagFilters: { [UPLOAD_TAG.key]: UPLOAD_TAG.unused },
          expiration: Duration.days(1),
        },
        {
          // The delete markers those expirations leave once their version is gone (noncurrent: 1 day).
          id: 'UploadDeleteMarkers',
          prefix: UPLOADS_PREFIX,
          expiredObjectDeleteMarker: true,
        },
      ],
      removalPolicy: RemovalPolicy.RETAIN,
    });
  }

  /**
   * Every function gets the bucket's name (their shared adapters are configured from it).
   * - `write` (ingest): puts payloads (`payloads/*`); for uploads (`uploads/*`), the actions the
   *   URLs it presigns are executed with (s3:PutObject, and s3:PutObjectTagging for their
   *   `x-amz-tagging` header), reading an upload to check it, and tagging it used; with the key,
   *   kms:GenerateDataKey (writes) and kms:Decrypt (reads of the KMS-encrypted uploads).
   * - `read` (everything that delivers): gets payloads and uploads, and decrypts them. Delivery
   *   reads an upload by its key and ETag (If-Match), never by version: no s3:GetObjectVersion.
   */
  bindTo(fn: LambdaFunction & IGrantable, access: 'write' | 'read'): void {
    fn.addEnvironment(ENV.PAYLOAD_BUCKET, this.bucket.bucketName);
    const uploads = this.bucket.arnForObjects(`${UPLOADS_PREFIX}*`);
    if (access === 'write') {
      fn.addToRolePolicy(
        new PolicyStatement({ actions: ['s3:PutObject'], resources: [this.bucket.arnForObjects('payloads/*')] }),
      );
      fn.addToRolePolicy(
        new PolicyStatement({
          actions: ['s3:PutObject', 's3:PutObjectTagging', 's3:GetObject'],
          resources: [uploads],
        }),
      );
      this.key.grant(fn, 'kms:GenerateDataKey', 'kms:Decrypt');
    } else {
      fn.addToRolePolicy(
        new PolicyStatement({
          actions: ['s3:GetObject'],
          resources: [this.bucket.arnForObjects('payloads/*'), uploads],
        }),
      );
      this.key.grantDecrypt(fn);
    }
  }
}
