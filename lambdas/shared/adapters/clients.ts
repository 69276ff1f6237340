/**
 * SDK clients, created once per module so every invocation of a warm Lambda reuses their
 * connections. Endpoints come from the standard AWS_ENDPOINT_URL_<SERVICE> variables, which the
 * local runtime points at the stand-ins.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

/**
 * The SQS client of the destination queues. Requests go to the configured endpoint, not to the
 * host inside a queue URL (they are the same on AWS; locally the stand-in's queue URLs name hosts
 * that need not resolve).
 */
export const sqsClient = new SQSClient({ useQueueUrlAsEndpoint: false });
/** The DynamoDB document client of the table; attributes set to `undefined` are left out of items. */
export const documentClient = DynamoDBDocumentClient.from(new DynamoDBClient({}), {
  marshallOptions: { removeUndefinedValues: true },
});
