import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { type IGrantable, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import type { Function as LambdaFunction } from 'aws-cdk-lib/aws-lambda';
import { BlockPublicAccess, Bucket, BucketEncryption, ObjectOwnership } from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { RETAINED_PREFIX } from '../../lambdas/shared/adapters/s3-payload-archive';
import { UPLOAD_TAG, UPLOADS_PREFIX } from '../../lambdas/shared/domain/uploads';
import { ENV } from '../../lambdas/shared/runtime/env';

export interface PayloadBucketProps {
  /** The customer-managed key that encrypts payloads (PHI at rest). */
  readonly key: IKey;
  /**
   * Days a delivered payload is kept for redelivery (`retained/`), counted from its latest
   * delivery; 0 keeps none. @default 7
   */
  readonly retentionDays?: number;
}

/**
 * What a function does with payloads: `ingest` stores large ones and checks uploads; `deliver`
 * reads them and keeps delivered ones for the retention; `redeliver` also restores kept ones to the
 * queue (admin and the prober, which both deliver and redeliver).
 */
export type PayloadAccess = 'ingest' | 'deliver' | 'redeliver';

/** How long a payload still waiting to be delivered is kept at most: longer than any pause lasts in practice. */
const IN_FLIGHT_BACKSTOP = Duration.days(400);

/**
 * The payload bucket, KMS-encrypted, TLS only, never public, versioned, access-logged:
 * - `payloads/<messageId>`: payloads too large for a queue message (entries too large for ten to
 *   fit one 6 MB delivery invocation, up to the 3,000,000-byte inline body), and copies made to
 *   redeliver large ones (`payloads/redelivered/`), while they wait to be delivered.
 * - `uploads/<sourceId>/<uploadId>`: documents up to 50 MB, PUT by integrators with URLs ingest
 *   presigns; an upload a message took (tagged `conveyor-upload=used`) is that message's payload;
 *   one no message took (`unused`) expires after a day.
 * - `retained/<messageId>`: delivered payloads, kept for the payload retention from their latest
 *   delivery (written again at each), then expired by the lifecycle rule; 1 day when retention is 0
 *   (nothing is written then; the rule sweeps what an earlier setting kept).
 * A payload waiting to be delivered (in `payloads/` or a used upload) is never expired by the
 * retention, however long a pause lasts: delivery removes it once its message is settled, and a
 * 400-day rule is only the backstop.
 */
export class PayloadBucket extends Construct {
  public readonly bucket: Bucket;
  /** Days delivered payloads are kept (0: none). */
  public readonly retentionDays: number;
  private readonly key: IKey;

  constructor(scope: Construct, id: string, props: PayloadBucketProps) {
    super(scope, id);
    this.key = props.key;
    this.retentionDays = props.retentionDays ?? 7;
    if (!Number.isInteger(this.retentionDays) || this.retentionDays < 0)
      throw new Error(`payloadRetentionDays must be a whole number of days from 0, got ${props.retentionDays}`);
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
          id: 'in-flight-payloads',
          prefix: 'payloads/',
          expiration: IN_FLIGHT_BACKSTOP,
          noncurrentVersionExpiration: Duration.days(1),
          abortIncompleteMultipartUploadAfter: Duration.days(1),
        },
        {
          id: 'payload-retention',
          prefix: RETAINED_PREFIX,
          expiration: Duration.days(Math.max(this.retentionDays, 1)),
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
          noncurrentVersionExpiration: Duration.days(1),
        },
        {
          // Used uploads are payloads: like payloads/, removed by delivery, with the same backstop.
          id: 'UsedUploads',
          prefix: UPLOADS_PREFIX,
          tagFilters: { [UPLOAD_TAG.key]: UPLOAD_TAG.used },
          expiration: IN_FLIGHT_BACKSTOP,
          noncurrentVersionExpiration: Duration.days(1),
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
   * Gives a function the bucket's name and the retention (its shared adapters are configured from
   * them) and what `access` needs, one statement per prefix:
   * - `ingest`: puts `payloads/`; for uploads, the actions the URLs it presigns run with
   *   (s3:PutObject, s3:PutObjectTagging for their `x-amz-tagging` header), reading an upload to
   *   check it and tagging it used; kms:GenerateDataKey and kms:Decrypt.
   * - `deliver`: gets `payloads/` and `uploads/` (by key and ETag, If-Match: never by version),
   *   puts `retained/` (a copy within the bucket reads its source and writes its target) and
   *   deletes `payloads/` and `uploads/` once a message is settled; kms:Decrypt and GenerateDataKey.
   * - `redeliver`: also gets `retained/`, lists it (so a missing object answers 404, not 403) and
   *   puts `payloads/`.
   */
  bindTo(fn: LambdaFunction & IGrantable, access: PayloadAccess): void {
    fn.addEnvironment(ENV.PAYLOAD_BUCKET, this.bucket.bucketName);
    fn.addEnvironment(ENV.PAYLOAD_RETENTION_DAYS, String(this.retentionDays));
    const allow = (actions: string[], prefixes: string[]) =>
      fn.addToRolePolicy(
        new PolicyStatement({ actions, resources: prefixes.map((prefix) => this.bucket.arnForObjects(`${prefix}*`)) }),
      );
    if (access === 'ingest') {
      allow(['s3:PutObject'], ['payloads/']);
      allow(['s3:PutObject', 's3:PutObjectTagging', 's3:GetObject'], [UPLOADS_PREFIX]);
      this.key.grant(fn, 'kms:GenerateDataKey', 'kms:Decrypt');
      return;
    }
    allow(['s3:GetObject', 's3:DeleteObject'], ['payloads/', UPLOADS_PREFIX]);
    allow(['s3:PutObject'], [RETAINED_PREFIX]);
    this.key.grant(fn, 'kms:Decrypt', 'kms:GenerateDataKey');
    if (access === 'redeliver') {
      allow(['s3:GetObject'], [RETAINED_PREFIX]);
      allow(['s3:PutObject'], ['payloads/']);
      fn.addToRolePolicy(
        new PolicyStatement({
          actions: ['s3:ListBucket'],
          resources: [this.bucket.bucketArn],
          conditions: { StringLike: { 's3:prefix': [`${RETAINED_PREFIX}*`] } },
        }),
      );
    }
  }
}
