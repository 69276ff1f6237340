import { requireEnv } from '../config';
import { documentClient, sqsClient } from './clients';
import { DynamoDirectory, DynamoMessageStore } from './dynamo-store';
import { lazyPayloadStore } from './lazy-adapters';
import { SqsDestinationQueues, queueSettingsFromEnv } from './sqs-destination-queues';

/**
 * The AWS adapters every function shares, configured from the environment the stack sets (and
 * the local runtime sets to point at the stand-ins).
 */
export const storePortsFromEnv = () => {
  const tableName = requireEnv('TABLE_NAME');
  return {
    directory: new DynamoDirectory(documentClient, tableName),
    messages: new DynamoMessageStore(documentClient, tableName),
    queues: new SqsDestinationQueues(sqsClient, queueSettingsFromEnv()),
    payloads: lazyPayloadStore(requireEnv('PAYLOAD_BUCKET')),
  };
};
