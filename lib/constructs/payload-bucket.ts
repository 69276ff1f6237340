import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { type IGrantable, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import type { Function as LambdaFunction } from 'aws-cdk-lib/aws-lambda';
import { BlockPublicAccess, Bucket, BucketEncryption, ObjectOwnership } from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
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
 * payload retention.
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
      ],
      removalPolicy: RemovalPolicy.RETAIN,
    });
  }

  /**
   * Every function gets the bucket's name (their shared adapters are configured from it); ingest
   * may only put payloads, the others only get them — one action each, on payload objects only.
   */
  bindTo(fn: LambdaFunction & IGrantable, access: 'write' | 'read'): void {
    fn.addEnvironment(ENV.PAYLOAD_BUCKET, this.bucket.bucketName);
    fn.addToRolePolicy(
      new PolicyStatement({
        actions: [access === 'write' ? 's3:PutObject' : 's3:GetObject'],
        resources: [this.bucket.arnForObjects('payloads/*')],
      }),
    );
    if (access === 'write') this.key.grant(fn, 'kms:GenerateDataKey');
    else this.key.grantDecrypt(fn);
  }
}
