import { requireEnv } from '../runtime/env';
import { documentClient, sqsClient } from '../adapters/clients';
import { DynamoDestinationState } from '../adapters/dynamodb/destination-state';
import { DynamoDirectory } from '../adapters/dynamodb/directory';
import { DynamoMessageStore } from '../adapters/dynamodb/message-store';
import { lazyPayloadStore } from '../adapters/lazy-adapters';
import { SqsDestinationQueues, queueSettingsFromEnv } from '../adapters/sqs-destination-queues';

/**
 * The AWS adapters every function shares, configured from the environment the stack sets (and
 * the local runtime sets to point at the stand-ins).
 */
export const storePortsFromEnv = () => {
  const tableName = requireEnv('TABLE_NAME');
  const clock = () => new Date();
  return {
    directory: new DynamoDirectory(documentClient, tableName),
    destinationState: new DynamoDestinationState(documentClient, tableName, clock),
    messages: new DynamoMessageStore(documentClient, tableName, clock),
    queues: new SqsDestinationQueues(sqsClient, queueSettingsFromEnv()),
    payloads: lazyPayloadStore(requireEnv('PAYLOAD_BUCKET')),
  };
};
