import { DynamoDestinationState } from '../adapters/dynamodb/destination-state';
import { DynamoDirectory } from '../adapters/dynamodb/directory';
import { DynamoMessageStore } from '../adapters/dynamodb/message-store';
import { lazyPayloadStore } from '../adapters/lazy-adapters';
import { SqsDestinationQueues } from '../adapters/sqs-destination-queues';
import type { Clock } from '../ports/observe';
import type { StoreConfig } from '../runtime/config';
import { type AwsClients, clientSettings } from './clients';

/** The time now, as every adapter and use case reads it on AWS and locally. */
export const systemClock: Clock = () => new Date();

/** The adapters every function shares, over the composition's clients. */
export const createStorePorts = (clients: AwsClients, config: StoreConfig) => {
  const directory = new DynamoDirectory(clients.documents, config.tableName);
  return {
    clock: systemClock,
    directory,
    destinationState: new DynamoDestinationState(clients.documents, config.tableName, systemClock),
    messages: new DynamoMessageStore(clients.documents, config.tableName, systemClock),
    queues: new SqsDestinationQueues(clients.sqs, config.queues),
    payloads: lazyPayloadStore(config.payloadBucket, {
      ...clientSettings(clients.config, 's3'),
      forcePathStyle: clients.config.s3ForcePathStyle ?? false,
    }),
  };
};

export type StorePorts = ReturnType<typeof createStorePorts>;
