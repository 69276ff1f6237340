/** The mocked document client, clock and DynamoDB refusals the DynamoDB adapter tests share. */
import {
  ConditionalCheckFailedException,
  DynamoDBClient,
  TransactionCanceledException,
} from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
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

/*
 * What a refused write found comes back as DynamoDB sends it (AttributeValue maps such as
 * `{ S: 'msg_1' }`): the document client unmarshalls answers, not errors.
 */
const asSent = (item: Record<string, unknown>) => marshall(item, { removeUndefinedValues: true });

/**
 * A single-item write refused by its condition; with `found`, the item DynamoDB returns for
 * `ReturnValuesOnConditionCheckFailure: 'ALL_OLD'` (the item as it was when the condition failed).
 */
export const conditionFailed = (found?: Record<string, unknown>) =>
  new ConditionalCheckFailedException({
    message: 'The conditional request failed',
    $metadata: {},
    ...(found ? { Item: asSent(found) } : {}),
  });

/** The reason of a transaction's item whose condition failed, with the item it found (ALL_OLD). */
export const refused = (found: Record<string, unknown>) => ({
  Code: 'ConditionalCheckFailed',
  Message: 'The conditional request failed',
  Item: asSent(found),
});

/**
 * A transaction refused, with the reason of each of its items: a code ('None' for the items that
 * were fine), or `refused(found)` for a failed condition that returns the item it found.
 */
export const transactionCanceled = (...reasons: (string | ReturnType<typeof refused>)[]) =>
  new TransactionCanceledException({
    message: 'Transaction cancelled',
    $metadata: {},
    CancellationReasons: reasons.map((reason) => (typeof reason === 'string' ? { Code: reason } : reason)),
  });
