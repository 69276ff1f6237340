/**
 * Prices a measured run (`cost.ts`): usage per delivered message, dollars per million delivered
 * by line (every line counted: per-item reads, each function's memory, EMF and platform log lines,
 * data transfer, storage for a retained month), the fixed monthly costs per destination and per
 * deployment, and low-cost options computed from the same counts.
 */
import { MetricNames } from '../lambdas/shared/domain/metric-names';
import { API_ACCESS_LOG_LINE, platformBytesPerInvocation } from './cost-logs';
import type { MeasuredUsage } from './cost';
import { BYTES_PER_GB, DAYS_PER_MONTH, HOURS_PER_MONTH, PRICES } from './prices';

/** Memory (GB) of each function, as lib/constructs sets it (ConveyorFunction's default is 512 MB). */
export const FUNCTION_MEMORY_GB = {
  /** lib/constructs/ingest-api.ts: 1024 MB, for checking 50 MB uploads. */
  ingest: 1,
  /** lib/constructs/delivery.ts. */
  delivery: 0.5,
  /** lib/constructs/ingest-api.ts (default). */
  admin: 0.5,
  /** lib/constructs/prober.ts (default). */
  prober: 0.5,
} as const;

/** The deployment's choices the figures assume. */
export interface CostAssumptions {
  /** Lambda's system log level (the stack sets WARN: `ConveyorFunction`; Lambda's own default is INFO). @default 'WARN' */
  readonly systemLogLevel?: 'INFO' | 'WARN';
  /** Days delivered payloads are kept in S3 (PAYLOAD_RETENTION_DAYS). @default 7 */
  readonly payloadRetentionDays?: number;
  /** Months message, arrival and attempt items stay in the table (one: priced per retained month). @default 1 */
  readonly retainedMonths?: number;
  /** Pollers long-polling an idle queue (Lambda starts SQS mappings with five). @default 5 */
  readonly idlePollers?: number;
  /** Seconds one idle prober run takes on AWS (not measurable locally). @default 0.3 */
  readonly proberRunSeconds?: number;
  /** Target utilisation of provisioned capacity with auto scaling. @default 0.7 */
  readonly provisionedUtilisation?: number;
  /** The steady rate (messages/s) the provisioned option is priced at. @default 10 */
  readonly steadyMessagesPerSecond?: number;
}

export interface PerMessage {
  readonly writeUnits: number;
  readonly readUnits: number;
  readonly batchGetReadUnits: number;
  readonly sqsRequests: number;
  readonly s3Requests: number;
  readonly invocations: { readonly ingest: number; readonly delivery: number };
  readonly gbSeconds: { readonly ingest: number; readonly delivery: number };
  readonly logBytes: {
    readonly app: number;
    readonly emf: number;
    readonly platform: number;
    readonly apiAccess: number;
  };
  readonly transferOutBytes: number;
  readonly storedBytes: { readonly dynamoDb: number; readonly s3: number };
}

/** Dollars per million delivered messages, by line. */
export type Lines = Record<string, number>;

export interface Priced {
  readonly perMessage: PerMessage;
  readonly dollarsPerMillion: Lines;
  readonly total: number;
  /** Monthly, whatever the traffic: per destination, and per deployment. */
  readonly fixedMonthly: { readonly perDestination: Lines; readonly perDeployment: Lines };
  /** Options that lower the total, each with its total and what it gives up. */
  readonly options: ReadonlyArray<{ readonly name: string; readonly total: number; readonly givesUp: string }>;
}

const sum = (lines: Lines) => Object.values(lines).reduce((total, value) => total + value, 0);
const perGb = (bytes: number) => bytes / BYTES_PER_GB;
const MILLION = 1_000_000;
/** Prober runs a month: one a minute (EventBridge rate(1 minute)). */
const PROBER_RUNS_PER_MONTH = HOURS_PER_MONTH * 60;
/** Alarms the Monitoring construct creates (lib/constructs/monitoring.ts) and customer-managed keys the stack creates. */
const ALARMS = 10;
const KMS_KEYS = 3;

export const perMessageOf = (run: MeasuredUsage, assumptions: CostAssumptions = {}): PerMessage => {
  const per = (value: number) => value / run.messages;
  const level = assumptions.systemLogLevel ?? 'WARN';
  const requestsOf = (service: string) =>
    Object.entries(run.requests)
      .filter(([key]) => key.startsWith(`${service}:`))
      .reduce((total, [, count]) => total + count, 0);
  const invocations = { ingest: 1, delivery: per(run.deliveryInvocations) };
  const stored = Object.values(run.items).reduce((total, family) => total + family.storedBytes, 0);
  return {
    writeUnits: per(run.writeUnits),
    readUnits: per(run.readUnits),
    batchGetReadUnits: per(run.readUnitsByOperation['DynamoDB:BatchGetItem'] ?? 0),
    sqsRequests: per(requestsOf('SQS')),
    s3Requests: per(requestsOf('S3')),
    invocations,
    gbSeconds: {
      ingest: per(run.ingestMs / 1000) * FUNCTION_MEMORY_GB.ingest,
      delivery: per(run.deliveryMs / 1000) * FUNCTION_MEMORY_GB.delivery,
    },
    logBytes: {
      app: per(Object.values(run.appLogs).reduce((total, volume) => total + volume.bytes, 0)),
      emf: per(run.emfLogs.bytes),
      platform: (invocations.ingest + invocations.delivery) * platformBytesPerInvocation(level),
      apiAccess: API_ACCESS_LOG_LINE.length + 1,
    },
    transferOutBytes: per(run.deliveryRequestBytes + run.ingestResponseBytes),
    storedBytes: { dynamoDb: per(stored), s3: per(run.s3PutBytes) },
  };
};

/** Log bytes per delivered message, every kind together (the goal's figure). */
export const allLogBytes = (usage: PerMessage): number =>
  usage.logBytes.app + usage.logBytes.emf + usage.logBytes.platform + usage.logBytes.apiAccess;

/** Dollars per million delivered messages by line, storage for `retainedMonths` included. */
export const linesOf = (run: MeasuredUsage, usage: PerMessage, assumptions: CostAssumptions = {}): Lines => {
  const retainedMonths = assumptions.retainedMonths ?? 1;
  const retentionDays = assumptions.payloadRetentionDays ?? 7;
  const apiRequestsPerMessage = Math.ceil(run.ingestRequestBytes / PRICES.httpApiRequestMeteringBytes);
  const gbOf = (bytesPerMessage: number) => perGb(bytesPerMessage * MILLION);
  return {
    apiGateway: apiRequestsPerMessage * PRICES.httpApiPerMillionRequests,
    lambdaRequests: (usage.invocations.ingest + usage.invocations.delivery) * PRICES.lambdaPerMillionRequests,
    lambdaDuration: (usage.gbSeconds.ingest + usage.gbSeconds.delivery) * MILLION * PRICES.lambdaArmPerGbSecond,
    sqs: usage.sqsRequests * PRICES.sqsFifoPerMillionRequests,
    dynamoDbWrites: usage.writeUnits * PRICES.dynamoDbPerMillionWriteUnits,
    dynamoDbReads: usage.readUnits * PRICES.dynamoDbPerMillionReadUnits,
    s3Requests: usage.s3Requests * PRICES.s3PutPerThousand * 1000,
    logIngestion: gbOf(allLogBytes(usage)) * PRICES.cloudWatchLogsPerGb,
    transferOut: gbOf(usage.transferOutBytes) * PRICES.dataTransferOutPerGb,
    dynamoDbStorage: gbOf(usage.storedBytes.dynamoDb) * PRICES.dynamoDbStoragePerGbMonth * retainedMonths,
    pitr: gbOf(usage.storedBytes.dynamoDb) * PRICES.dynamoDbPitrPerGbMonth * retainedMonths,
    backups:
      gbOf(usage.storedBytes.dynamoDb) * PRICES.dynamoDbBackupPerGbMonth * PRICES.retainedDailyBackups * retainedMonths,
    // Kept from the delivery for the retention, then one day as a noncurrent version (versioned bucket).
    s3Storage:
      retentionDays > 0
        ? gbOf(usage.storedBytes.s3) * PRICES.s3StoragePerGbMonth * ((retentionDays + 1) / DAYS_PER_MONTH)
        : 0,
    // Uncompressed size: an upper bound (CloudWatch stores logs compressed), for one month of the year kept.
    logStorage: gbOf(allLogBytes(usage)) * PRICES.cloudWatchLogsStoragePerGbMonth,
  };
};

const fixedMonthly = (run: MeasuredUsage, assumptions: CostAssumptions) => {
  const prober = run.proberPerRun;
  // Each run checks every destination queue's age (GetQueueAttributes); ListQueues is one per run.
  const proberQueueChecks = prober.requests['SQS:GetQueueAttributes'] ?? 0;
  const proberListQueues = prober.requests['SQS:ListQueues'] ?? 0;
  const idleReceives = (assumptions.idlePollers ?? 5) * (86_400 / 20) * DAYS_PER_MONTH;
  const level = assumptions.systemLogLevel ?? 'WARN';
  const proberLogBytes = prober.logBytes + prober.emfBytes + platformBytesPerInvocation(level);
  return {
    perDestination: {
      idlePolling: (idleReceives / MILLION) * PRICES.sqsFifoPerMillionRequests,
      proberQueueChecks: ((proberQueueChecks * PROBER_RUNS_PER_MONTH) / MILLION) * PRICES.sqsFifoPerMillionRequests,
    },
    perDeployment: {
      proberInvocations: (PROBER_RUNS_PER_MONTH / MILLION) * PRICES.lambdaPerMillionRequests,
      proberListQueues: ((proberListQueues * PROBER_RUNS_PER_MONTH) / MILLION) * PRICES.sqsFifoPerMillionRequests,
      proberDuration:
        PROBER_RUNS_PER_MONTH *
        (assumptions.proberRunSeconds ?? 0.3) *
        FUNCTION_MEMORY_GB.prober *
        PRICES.lambdaArmPerGbSecond,
      proberDynamoDb:
        (PROBER_RUNS_PER_MONTH / MILLION) *
        (prober.writeUnits * PRICES.dynamoDbPerMillionWriteUnits +
          prober.readUnits * PRICES.dynamoDbPerMillionReadUnits),
      proberLogs: perGb(proberLogBytes * PROBER_RUNS_PER_MONTH) * PRICES.cloudWatchLogsPerGb,
      customMetrics: Object.keys(MetricNames).length * PRICES.cloudWatchMetricPerMonth,
      alarms: ALARMS * PRICES.cloudWatchAlarmPerMonth,
      dashboard: PRICES.cloudWatchDashboardPerMonth,
      kmsKeys: KMS_KEYS * PRICES.kmsKeyPerMonth,
    },
  };
};

/** Prices `run` under `assumptions`, with the low-cost options computed from the same counts. */
export const priceRun = (run: MeasuredUsage, assumptions: CostAssumptions = {}): Priced => {
  const usage = perMessageOf(run, assumptions);
  const lines = linesOf(run, usage, assumptions);
  const total = sum(lines);
  const utilisation = assumptions.provisionedUtilisation ?? 0.7;
  // Provisioned: units/s = units per message × rate ÷ utilisation, paid by the hour; per million
  // messages the rate cancels out (it matters only for the minimum of one unit).
  const provisioned = (unitsPerMessage: number, unitHour: number) =>
    ((unitsPerMessage * MILLION) / (utilisation * 3600)) * unitHour;
  const functionUrl =
    sum({ ...lines, apiGateway: 0 }) - perGb(usage.logBytes.apiAccess * MILLION) * PRICES.cloudWatchLogsPerGb;
  const provisionedTable =
    lines.dynamoDbWrites! +
    lines.dynamoDbReads! -
    provisioned(usage.writeUnits, PRICES.dynamoDbWriteCapacityUnitHour) -
    provisioned(usage.readUnits, PRICES.dynamoDbReadCapacityUnitHour);
  const retentionSaving = lines.s3Requests! + lines.s3Storage!;
  const rate = assumptions.steadyMessagesPerSecond ?? 10;
  return {
    perMessage: usage,
    dollarsPerMillion: lines,
    total,
    fixedMonthly: fixedMonthly(run, assumptions),
    options: [
      {
        name: 'ingest behind a Lambda function URL (no HTTP API)',
        total: functionUrl,
        givesUp:
          "API Gateway's stage throttling (only reserved concurrency limits a function URL), custom domains and WAF (both need CloudFront in front), access logs, 10 MB bodies (6 MB), IAM routes per path",
      },
      {
        name: `provisioned table, auto scaling at ${Math.round(utilisation * 100)}% utilisation, a steady ${rate} msg/s`,
        total: total - provisionedTable,
        givesUp:
          'instant absorption of bursts above the scaled capacity (throttled until auto scaling catches up, minutes)',
      },
      {
        name: 'the two above together',
        total: functionUrl - provisionedTable,
        givesUp: 'as above; nothing in the HTTP contract',
      },
      {
        name: 'and payloadRetentionDays 0',
        total: functionUrl - provisionedTable - retentionSaving,
        givesUp: 'redelivery of delivered messages (their payloads are not kept)',
      },
    ],
  };
};
