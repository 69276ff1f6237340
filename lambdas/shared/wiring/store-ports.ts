import { DynamoDestinationState } from '../adapters/dynamodb/destination-state';
import { DynamoDirectory } from '../adapters/dynamodb/directory';
import { DynamoMessageStore } from '../adapters/dynamodb/message-store';
import { DynamoUploadRecords } from '../adapters/dynamodb/uploads';
import { lazyPayloadStore, lazyUploadObjects } from '../adapters/lazy-adapters';
import { SqsDestinationQueues } from '../adapters/sqs-destination-queues';
import type { Clock } from '../ports/observe';
import type { StoreConfig } from '../runtime/config';
import { type AwsClients, clientSettings } from './clients';

/** The time now, as every adapter and use case reads it on AWS and locally. */
export const systemClock: Clock = () => new Date();

/** The adapters every function shares, over the composition's clients. */
export const createStorePorts = (clients: AwsClients, config: StoreConfig) => {
  const directory = new DynamoDirectory(clients.documents, config.tableName);
  const s3 = { ...clientSettings(clients.config, 's3'), forcePathStyle: clients.config.s3ForcePathStyle ?? false };
  return {
    clock: systemClock,
    directory,
    destinationState: new DynamoDestinationState(clients.documents, config.tableName, systemClock),
    messages: new DynamoMessageStore(clients.documents, config.tableName, systemClock),
    queues: new SqsDestinationQueues(clients.sqs, config.queues),
    payloads: lazyPayloadStore(config.payloadBucket, s3),
    uploads: new DynamoUploadRecords(clients.documents, config.tableName),
    uploadObjects: lazyUploadObjects(config.payloadBucket, s3, systemClock),
  };
};

export type StorePorts = ReturnType<typeof createStorePorts>;
