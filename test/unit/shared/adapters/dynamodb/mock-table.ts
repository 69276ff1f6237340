/** The mocked document client, clock and DynamoDB refusals the DynamoDB adapter tests share. */
import { ConditionalCheckFailedException, DynamoDBClient, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';

/** Every document client is mocked: call `ddb.reset()` before each test. */
export const ddb = mockClient(DynamoDBDocumentClient);
export const client = DynamoDBDocumentClient.from(new DynamoDBClient({}));
export const TABLE = 'conveyor';

export const NOW = new Date('2026-01-01T00:00:00.000Z');
/** NOW in epoch ms and epoch seconds. */
export const NOW_MS = NOW.getTime();
export const NOW_SECONDS = NOW_MS / 1000;
export const clock = () => NOW;

/** A single-item write refused by its condition. */
export const conditionFailed = () => new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {} });

/** A transaction refused, with the reason of each of its items ('None' for the items that were fine). */
export const transactionCanceled = (...codes: string[]) =>
  new TransactionCanceledException({ message: 'Transaction cancelled', $metadata: {}, CancellationReasons: codes.map((Code) => ({ Code })) });
