/**
 * AWS list prices that turn counted usage into dollars: us-east-1, on demand, arm64 Lambda, HTTP
 * API, no free tier. Checked 2026-11-30 with the `search` tool against the pages named on each
 * line (the pricing pages render their tables from price tokens, so where a page's text shows no
 * figure the figure was read from AWS's own worked examples or the documentation page named);
 * update `checked` and the figures when AWS changes them.
 */
export const PRICES = {
  checked: '2026-11-30',
  region: 'us-east-1',
  /**
   * API Gateway HTTP API, first 300 million requests a month; a request is metered in 512 KB
   * increments. https://aws.amazon.com/api-gateway/pricing/ (worked example: "$1.00/million").
   */
  httpApiPerMillionRequests: 1.0,
  /** The size (bytes) in which HTTP API requests are metered. Same page. */
  httpApiRequestMeteringBytes: 512 * 1024,
  /**
   * Lambda requests, any architecture; function URLs add nothing to them.
   * https://aws.amazon.com/lambda/pricing/
   */
  lambdaPerMillionRequests: 0.2,
  /** Lambda arm64 duration, first 7.5 billion GB-seconds a month. https://aws.amazon.com/lambda/pricing/ */
  lambdaArmPerGbSecond: 0.0000133334,
  /**
   * SQS FIFO requests; each 64 KB chunk of a request counts as one.
   * https://aws.amazon.com/sqs/pricing/
   */
  sqsFifoPerMillionRequests: 0.5,
  /** The size (bytes) in which SQS requests are metered. Same page. */
  sqsRequestMeteringBytes: 64 * 1024,
  /**
   * DynamoDB on demand since the November 2024 reduction: a write unit per 1 KB written, a read
   * unit per 4 KB read strongly consistent (half eventually), each item of a batch rounded up on
   * its own. https://aws.amazon.com/dynamodb/pricing/on-demand/
   */
  dynamoDbPerMillionWriteUnits: 0.625,
  dynamoDbPerMillionReadUnits: 0.125,
  /**
   * DynamoDB provisioned capacity, per unit-hour (the low-cost option).
   * https://aws.amazon.com/dynamodb/pricing/provisioned/
   */
  dynamoDbWriteCapacityUnitHour: 0.00065,
  dynamoDbReadCapacityUnitHour: 0.00013,
  /**
   * DynamoDB storage (Standard table class) per GB-month, after the first 25 GB; every item is
   * stored with 100 bytes of overhead. https://aws.amazon.com/dynamodb/pricing/on-demand/
   */
  dynamoDbStoragePerGbMonth: 0.25,
  dynamoDbItemOverheadBytes: 100,
  /**
   * Point-in-time recovery, per GB-month of table size.
   * https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/backup-restore-billing.html
   */
  dynamoDbPitrPerGbMonth: 0.2,
  /**
   * A DynamoDB backup (AWS Backup warm storage), per GB-month of the table's size when it was
   * taken, each backup charged on its own. Same page.
   */
  dynamoDbBackupPerGbMonth: 0.1,
  /** Backups the stack keeps: `BackupPlan.daily35DayRetention` (lib/constructs/store.ts). */
  retainedDailyBackups: 35,
  /** S3 Standard PUT, COPY, POST, LIST requests, per 1,000. https://aws.amazon.com/s3/pricing/ */
  s3PutPerThousand: 0.005,
  /** S3 Standard storage, first 50 TB, per GB-month. Same page. Expiration by lifecycle is free. */
  s3StoragePerGbMonth: 0.023,
  /**
   * CloudWatch Logs ingestion (standard class; Lambda's logs are "vended" logs, the same $0.50 for
   * the first 10 TB), and archival storage per GB-month of compressed data.
   * https://aws.amazon.com/cloudwatch/pricing/
   */
  cloudWatchLogsPerGb: 0.5,
  cloudWatchLogsStoragePerGbMonth: 0.03,
  /**
   * Custom metrics, first 10,000 a month, per metric (name × dimensions) per month, prorated by
   * the hour; EMF lines are billed as log ingestion besides. Same page.
   */
  cloudWatchMetricPerMonth: 0.3,
  /** A standard-resolution alarm per month; a dashboard per month (beyond 3 free). Same page. */
  cloudWatchAlarmPerMonth: 0.1,
  cloudWatchDashboardPerMonth: 3.0,
  /** A customer-managed KMS key per month. https://aws.amazon.com/kms/pricing/ */
  kmsKeyPerMonth: 1.0,
  /**
   * Data transfer out to the internet, first 10 TB a month (after 100 GB free); data in is free.
   * Lambda's outbound traffic and API Gateway's responses are charged at this EC2 rate.
   * https://aws.amazon.com/ec2/pricing/on-demand/ ("Data Transfer"), https://aws.amazon.com/lambda/pricing/
   */
  dataTransferOutPerGb: 0.09,
  /** SES outbound email (alerts only). https://aws.amazon.com/ses/pricing/ */
  sesPerThousandEmails: 0.1,
} as const;

/** Hours and days in a billing month, as AWS's calculators count them. */
export const HOURS_PER_MONTH = 730;
export const DAYS_PER_MONTH = HOURS_PER_MONTH / 24;
/** Bytes in the GB the price lists use (AWS bills GB as 2^30 bytes). */
export const BYTES_PER_GB = 1024 ** 3;
