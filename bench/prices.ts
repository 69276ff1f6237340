/**
 * AWS list prices used to turn counted requests into dollars: us-east-1, on-demand, arm64 Lambda,
 * HTTP API, without free tiers. Prices as published on the AWS pricing pages (checked 2026-11-26
 * against the copies this project was built with); update the date and figures when AWS changes them.
 */
export const PRICES = {
  checked: '2026-11-26',
  region: 'us-east-1',
  /** API Gateway HTTP API, first 300 million requests a month (each 512 KB counts as one). */
  httpApiPerMillionRequests: 1.0,
  /** Lambda requests, any architecture. */
  lambdaPerMillionRequests: 0.2,
  /** Lambda arm64 duration, first 7.5 billion GB-seconds a month. */
  lambdaArmPerGbSecond: 0.0000133334,
  /** SQS FIFO requests (each 64 KB chunk counts as one). */
  sqsFifoPerMillionRequests: 0.5,
  /** DynamoDB on-demand (since the November 2024 reduction). */
  dynamoDbPerMillionWriteUnits: 0.625,
  dynamoDbPerMillionReadUnits: 0.125,
  /** CloudWatch Logs ingestion, standard class. */
  cloudWatchLogsPerGb: 0.5,
  /** SES outbound email (alerts only). */
  sesPerThousandEmails: 0.1,
} as const;
