import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { type IGrantable, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import type { Function as LambdaFunction } from 'aws-cdk-lib/aws-lambda';
import { BlockPublicAccess, Bucket, BucketEncryption, ObjectOwnership } from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { RETAINED_PREFIX } from '../../lambdas/shared/adapters/s3-payload-archive';
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
 * What a function does with payloads: `ingest` stores large ones; `deliver` reads them and keeps
 * delivered ones for the retention; `redeliver` also restores kept ones to the queue (admin and the
 * prober, which both deliver and redeliver).
 */
export type PayloadAccess = 'ingest' | 'deliver' | 'redeliver';

/** How long a payload still waiting to be delivered is kept at most: longer than any pause lasts in practice. */
const IN_FLIGHT_BACKSTOP = Duration.days(400);

/**
 * The payload bucket, KMS-encrypted, TLS only, never public, versioned, access-logged:
 * - `payloads/<messageId>`: payloads too large for a queue message (entries too large for ten to
 *   fit one 6 MB delivery invocation, up to the 3,000,000-byte inline body), and copies made to
 *   redeliver large ones (`payloads/redelivered/`), while they wait to be delivered; a pause never
 *   shortens their life (a 400-day backstop only).
 * - `retained/<messageId>`: delivered payloads, kept for the payload retention from their latest
 *   delivery (written again at each), then expired by the lifecycle rule; 1 day when retention is 0
 *   (nothing is written then; the rule sweeps what an earlier setting kept).
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
      ],
      removalPolicy: RemovalPolicy.RETAIN,
    });
  }

  /**
   * Gives a function the bucket's name and the retention (its shared adapters are configured from
   * them) and what `access` needs, one action per prefix: ingest puts `payloads/`; delivery gets
   * `payloads/` and puts `retained/` (a copy within the bucket reads its source and writes its
   * target); redelivery also gets `retained/`, lists it (so a missing object answers 404, not
   * 403) and puts `payloads/`.
   */
  bindTo(fn: LambdaFunction & IGrantable, access: PayloadAccess): void {
    fn.addEnvironment(ENV.PAYLOAD_BUCKET, this.bucket.bucketName);
    fn.addEnvironment(ENV.PAYLOAD_RETENTION_DAYS, String(this.retentionDays));
    const allow = (action: string, prefix: string) =>
      fn.addToRolePolicy(
        new PolicyStatement({ actions: [action], resources: [this.bucket.arnForObjects(`${prefix}*`)] }),
      );
    if (access === 'ingest') {
      allow('s3:PutObject', 'payloads/');
      this.key.grant(fn, 'kms:GenerateDataKey');
      return;
    }
    allow('s3:GetObject', 'payloads/');
    allow('s3:PutObject', RETAINED_PREFIX);
    this.key.grant(fn, 'kms:Decrypt', 'kms:GenerateDataKey');
    if (access === 'redeliver') {
      allow('s3:GetObject', RETAINED_PREFIX);
      allow('s3:PutObject', 'payloads/');
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
