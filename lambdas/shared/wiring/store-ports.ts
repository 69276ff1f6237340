import { requireEnv } from '../runtime/env';
import { documentClient, sqsClient } from '../adapters/clients';
import { DynamoDirectory, DynamoMessageStore } from '../adapters/dynamodb/dynamo-store';
import { lazyPayloadStore } from '../adapters/lazy-adapters';
import { SqsDestinationQueues, queueSettingsFromEnv } from '../adapters/sqs-destination-queues';

/**
 * The AWS adapters every function shares, configured from the environment the stack sets (and
 * the local runtime sets to point at the stand-ins).
 */
export const storePortsFromEnv = () => {
  const tableName = requireEnv('TABLE_NAME');
  const directory = new DynamoDirectory(documentClient, tableName);
  return {
    directory,
    destinationState: directory,
    messages: new DynamoMessageStore(documentClient, tableName),
    queues: new SqsDestinationQueues(sqsClient, queueSettingsFromEnv()),
    payloads: lazyPayloadStore(requireEnv('PAYLOAD_BUCKET')),
  };
};
