/**
 * Cost per million delivered messages: every AWS request made while one destination receives
 * 2 KB messages is counted by an SDK middleware (the functions' clients and the event-source
 * mapping's), DynamoDB's consumed capacity is added up, function time and log volume are
 * measured, and the counts are priced with `prices.ts`.
 */
import type { TestConveyor } from '../test/fixtures/conveyor';
import type { ConveyorLogs } from './harness';
import { measureOrderedRate } from './ordered-rate';
import { PRICES } from './prices';
import { countRequests, newRequestCounts, resetCounts, total } from './request-counter';

/** Memory the stack gives the ingest and delivery functions (ConveyorFunction's default). */
const FUNCTION_MEMORY_GB = 0.5;
/** Records per delivery batch that a backlogged FIFO group gets on AWS (the mapping's batch size). */
export const AWS_BATCH_SIZE = 10;
/** Requests made once per delivery batch, not once per message. */
const PER_BATCH = ['SQS:ReceiveMessage', 'SQS:DeleteMessageBatch', 'DynamoDB:BatchGetItem', 'DynamoDB:GetItem'];

export interface Usage {
  readonly sqsRequests: number;
  readonly dynamoDbWriteUnits: number;
  readonly dynamoDbReadUnits: number;
  readonly lambdaInvocations: number;
  readonly lambdaGbSeconds: number;
  readonly logBytes: number;
}

export type Dollars = Record<
  'apiGateway' | 'lambdaRequests' | 'lambdaDuration' | 'sqs' | 'dynamoDb' | 'logs' | 'total',
  number
>;

export interface Cost {
  readonly messages: number;
  /** Records per delivery batch here (the SQS stand-in hands out one per receive). */
  readonly batchSize: number;
  /** Per delivered message, as counted. */
  readonly counted: Usage & { readonly requests: Record<string, number> };
  /** Per delivered message with batches of AWS_BATCH_SIZE: the per-batch requests shared by ten. */
  readonly atAwsBatchSize: Usage;
  readonly dollarsPerMillion: { readonly counted: Dollars; readonly atAwsBatchSize: Dollars };
}

const price = (usage: Usage): Dollars => {
  const million = 1_000_000;
  const lines = {
    apiGateway: PRICES.httpApiPerMillionRequests,
    lambdaRequests: usage.lambdaInvocations * PRICES.lambdaPerMillionRequests,
    lambdaDuration: usage.lambdaGbSeconds * million * PRICES.lambdaArmPerGbSecond,
    sqs: usage.sqsRequests * PRICES.sqsFifoPerMillionRequests,
    dynamoDb:
      usage.dynamoDbWriteUnits * PRICES.dynamoDbPerMillionWriteUnits +
      usage.dynamoDbReadUnits * PRICES.dynamoDbPerMillionReadUnits,
    logs: ((usage.logBytes * million) / 1024 ** 3) * PRICES.cloudWatchLogsPerGb,
  };
  return { ...lines, total: Object.values(lines).reduce((sum, value) => sum + value, 0) };
};

/** `logs` counts Conveyor's log lines (the runtime must log at INFO, as deployed). */
export const measureCost = async (conveyor: TestConveyor, messages: number, logs: ConveyorLogs): Promise<Cost> => {
  const counts = newRequestCounts();
  countRequests(conveyor.local.clients.sqs, 'SQS', counts);
  countRequests(conveyor.local.clients.documents, 'DynamoDB', counts);
  countRequests(conveyor.local.mappings.sqs, 'SQS', counts);
  const payload = { text: 'x'.repeat(2048 - 40) }; // about 2 KB on the wire with the envelope
  let invocationsBefore = { ...conveyor.local.mappings.invocations };
  // Counting starts once the destination is registered: only the messages' own requests count.
  const run = await measureOrderedRate(conveyor, messages, {
    payload,
    beforeSending: (destinationId) => {
      counts.include = (service, input) =>
        service !== 'SQS' || input.QueueUrl === undefined || input.QueueUrl.includes(destinationId);
      resetCounts(counts);
      logs.reset();
      invocationsBefore = { ...conveyor.local.mappings.invocations };
    },
  });
  const deliveryInvocations = conveyor.local.mappings.invocations.count - invocationsBefore.count;
  const deliveryMs = conveyor.local.mappings.invocations.totalMs - invocationsBefore.totalMs;
  const per = (value: number) => value / messages;
  // The ingest function's time is at most what its callers waited (an upper bound: it includes
  // the local HTTP hop).
  const gbSeconds = (ms: number) => (ms / 1000) * FUNCTION_MEMORY_GB;
  const counted = {
    sqsRequests: per(total(counts, 'SQS')),
    dynamoDbWriteUnits: per(counts.capacity.write),
    dynamoDbReadUnits: per(counts.capacity.read),
    lambdaInvocations: per(messages + deliveryInvocations),
    lambdaGbSeconds: per(gbSeconds(run.ingestMs + deliveryMs)),
    logBytes: per(logs.counted.bytes),
    requests: Object.fromEntries([...counts.requests].sort().map(([key, count]) => [key, per(count)])),
  };
  const batchSize = messages / deliveryInvocations;
  const perBatchShare = batchSize / AWS_BATCH_SIZE;
  const perBatchRequests = per(
    PER_BATCH.filter((key) => key.startsWith('SQS:')).reduce((sum, key) => sum + (counts.requests.get(key) ?? 0), 0),
  );
  const perBatchReadUnits = per(PER_BATCH.reduce((sum, key) => sum + (counts.capacityByOperation.get(key) ?? 0), 0));
  const atAwsBatchSize = {
    sqsRequests: counted.sqsRequests - perBatchRequests * (1 - perBatchShare),
    dynamoDbWriteUnits: counted.dynamoDbWriteUnits,
    dynamoDbReadUnits: counted.dynamoDbReadUnits - perBatchReadUnits * (1 - perBatchShare),
    lambdaInvocations: 1 + per(deliveryInvocations) * perBatchShare,
    // Delivery time is mostly the endpoint's round trip, paid per message whatever the batch.
    lambdaGbSeconds: counted.lambdaGbSeconds,
    logBytes: counted.logBytes,
  };
  return {
    messages,
    batchSize,
    counted,
    atAwsBatchSize,
    dollarsPerMillion: { counted: price(counted), atAwsBatchSize: price(atAwsBatchSize) },
  };
};
