import { RemovalPolicy } from 'aws-cdk-lib';
import { BackupPlan, BackupResource, BackupVault } from 'aws-cdk-lib/aws-backup';
import { AttributeType, BillingMode, Table, TableEncryption } from 'aws-cdk-lib/aws-dynamodb';
import type { IGrantable } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import type { Function as LambdaFunction } from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import { TABLE_SCHEMA } from '../../lambdas/shared/adapters/dynamodb/keys';
import { defaultRecordRetentionDays, recordRetentionProblem } from '../../lambdas/shared/domain/record-retention';
import { ENV } from '../../lambdas/shared/runtime/env';
import { DEFAULT_PAYLOAD_RETENTION_DAYS } from '../../lambdas/shared/runtime/config';

export interface StoreProps {
  /** The customer-managed key that encrypts the table. */
  readonly key: IKey;
  /**
   * Days a message's records (its item once delivered, its arrival-log entries and failed attempts)
   * are kept before DynamoDB's TTL removes them; at least 14 + `payloadRetentionDays`, which a
   * redelivery needs (`record-retention.ts`). @default 90, or 14 + `payloadRetentionDays` when more
   */
  readonly recordRetentionDays?: number;
  /** Days delivered payloads are kept for redelivery (`PayloadBucket`), the floor of the above. @default 7 */
  readonly payloadRetentionDays?: number;
}

/**
 * Conveyor's one DynamoDB table: organizations, sources, destinations, subscriptions, messages,
 * idempotency records and arrival logs. On-demand, encrypted with the customer-managed key, with
 * point-in-time recovery, TTL (`expiresAt`: idempotency records, uploads, replaced keys, and a
 * message's records after `recordRetentionDays`), deletion protection, and retained if the stack
 * is deleted.
 */
export class Store extends Construct {
  public readonly table: Table;
  /** Days a message's records are kept by TTL (`StoreProps.recordRetentionDays`). */
  public readonly recordRetentionDays: number;

  constructor(scope: Construct, id: string, props: StoreProps) {
    super(scope, id);
    const payloadRetentionDays = props.payloadRetentionDays ?? DEFAULT_PAYLOAD_RETENTION_DAYS;
    this.recordRetentionDays = props.recordRetentionDays ?? defaultRecordRetentionDays(payloadRetentionDays);
    const problem = recordRetentionProblem(this.recordRetentionDays, payloadRetentionDays);
    if (problem !== undefined) throw new Error(problem);
    // Table rather than TableV2: TableV2 with a customer-managed key needs a region-specific stack.
    this.table = new Table(this, 'Table', {
      partitionKey: { name: TABLE_SCHEMA.partitionKey, type: AttributeType.STRING },
      sortKey: { name: TABLE_SCHEMA.sortKey, type: AttributeType.STRING },
      timeToLiveAttribute: TABLE_SCHEMA.timeToLiveAttribute,
      billingMode: BillingMode.PAY_PER_REQUEST,
      encryption: TableEncryption.CUSTOMER_MANAGED,
      encryptionKey: props.key,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      deletionProtection: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    // Point-in-time recovery covers 35 days of mistakes; AWS Backup keeps daily copies besides,
    // in a vault encrypted with the same key, for as long as an operator needs them.
    const vault = new BackupVault(this, 'BackupVault', {
      encryptionKey: props.key,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    BackupPlan.daily35DayRetention(this, 'BackupPlan', vault).addSelection('Table', {
      resources: [BackupResource.fromDynamoDbTable(this.table)],
    });
  }

  /** Grants read/write on the table (and its key) and tells the function its name and the record retention. */
  bindTo(fn: LambdaFunction & IGrantable): void {
    this.table.grantReadWriteData(fn);
    fn.addEnvironment(ENV.TABLE_NAME, this.table.tableName);
    fn.addEnvironment(ENV.RECORD_RETENTION_DAYS, String(this.recordRetentionDays));
  }
}
