/**
 * Cost per million delivered messages: every AWS request made while one destination receives
 * 2 KB messages is counted by an SDK middleware (the functions' clients and the event-source
 * mapping's), DynamoDB's consumed capacity is added up, function time and log volume are
 * measured, and the counts are priced with `prices.ts`.
 */
import { documentClient, lambdaClient, sqsClient } from '../lambdas/shared/aws/clients';
import type { TestConveyor } from '../test/fixtures/conveyor';
import type { ConveyorLogs } from './harness';
import { measureOrderedRate } from './ordered-rate';
import { PRICES } from './prices';
import { countRequests, newRequestCounts, resetCounts, total } from './request-counter';

/** Memory the stack gives the ingest and delivery functions (ConveyorFunction's default). */
const FUNCTION_MEMORY_GB = 0.5;

export interface Cost {
  readonly messages: number;
  /** Per delivered message. */
  readonly perMessage: {
    readonly sqsRequests: number;
    readonly dynamoDbWriteUnits: number;
    readonly dynamoDbReadUnits: number;
    readonly lambdaInvocations: number;
    readonly lambdaGbSeconds: number;
    readonly logBytes: number;
    readonly requests: Record<string, number>;
  };
  /** Dollars per million delivered messages, by line and in total. */
  readonly dollarsPerMillion: Record<'apiGateway' | 'lambdaRequests' | 'lambdaDuration' | 'sqs' | 'dynamoDb' | 'logs' | 'total', number>;
}

/** `logs` counts Conveyor's log lines (the runtime must log at INFO, as deployed). */
export const measureCost = async (conveyor: TestConveyor, messages: number, logs: ConveyorLogs): Promise<Cost> => {
  const counts = newRequestCounts();
  countRequests(sqsClient, 'SQS', counts);
  countRequests(documentClient, 'DynamoDB', counts);
  countRequests(lambdaClient, 'Lambda', counts);
  countRequests(conveyor.local.mappings.sqs, 'SQS', counts);
  const payload = { text: 'x'.repeat(2048 - 40) }; // about 2 KB on the wire with the envelope
  let invocationsBefore = { ...conveyor.local.mappings.invocations };
  // Counting starts once the destination is registered: only the messages' own requests count.
  const run = await measureOrderedRate(conveyor, messages, {
    payload,
    beforeSending: (destinationId) => {
      counts.include = (service, input) => service !== 'SQS' || input.QueueUrl === undefined || input.QueueUrl.includes(destinationId);
      resetCounts(counts);
      logs.reset();
      invocationsBefore = { ...conveyor.local.mappings.invocations };
    },
  });
  const delivery = {
    count: conveyor.local.mappings.invocations.count - invocationsBefore.count,
    ms: conveyor.local.mappings.invocations.totalMs - invocationsBefore.totalMs,
  };
  // The ingest function's time is at most what its callers waited (an upper bound: it includes
  // the local HTTP hop); registering the destination is negligible next to the messages.
  const ingestInvocations = messages;
  const ingestMs = run.ingestMs;
  const per = (value: number) => value / messages;
  const perMessage = {
    sqsRequests: per(total(counts, 'SQS')),
    dynamoDbWriteUnits: per(counts.capacity.write),
    dynamoDbReadUnits: per(counts.capacity.read),
    lambdaInvocations: per(ingestInvocations + delivery.count),
    lambdaGbSeconds: per(((ingestMs + delivery.ms) / 1000) * FUNCTION_MEMORY_GB),
    logBytes: per(logs.counted.bytes),
    requests: Object.fromEntries([...counts.requests].sort().map(([key, count]) => [key, per(count)])),
  };
  const million = 1_000_000;
  const dollars = {
    apiGateway: PRICES.httpApiPerMillionRequests,
    lambdaRequests: perMessage.lambdaInvocations * PRICES.lambdaPerMillionRequests,
    lambdaDuration: perMessage.lambdaGbSeconds * million * PRICES.lambdaArmPerGbSecond,
    sqs: perMessage.sqsRequests * PRICES.sqsFifoPerMillionRequests,
    dynamoDb: perMessage.dynamoDbWriteUnits * PRICES.dynamoDbPerMillionWriteUnits + perMessage.dynamoDbReadUnits * PRICES.dynamoDbPerMillionReadUnits,
    logs: ((perMessage.logBytes * million) / 1024 ** 3) * PRICES.cloudWatchLogsPerGb,
  };
  return { messages, perMessage, dollarsPerMillion: { ...dollars, total: Object.values(dollars).reduce((sum, value) => sum + value, 0) } };
};
