import { defaultRecordRetentionDays } from '../domain/record-retention';
import { DynamoDestinationState } from '../adapters/dynamodb/destination-state';
import { DynamoDirectory } from '../adapters/dynamodb/directory';
import { DynamoMessageStore } from '../adapters/dynamodb/message-store';
import { DynamoRedeliveryStore } from '../adapters/dynamodb/redelivery-jobs';
import { DynamoUploadRecords } from '../adapters/dynamodb/uploads';
import { lazyPayloadArchive, lazyPayloadStore, lazyUploadObjects } from '../adapters/lazy-adapters';
import { SqsDestinationQueues } from '../adapters/sqs-destination-queues';
import type { Clock } from '../ports/observe';
import type { PayloadArchive } from '../ports/redeliveries';
import type { StoreConfig } from '../runtime/config';
import { type AwsClients, clientSettings } from './clients';

/** The time now, as every adapter and use case reads it on AWS and locally. */
export const systemClock: Clock = () => new Date();

/** With a retention of 0 days nothing is kept, and there is nothing to restore. */
const KEEP_NOTHING: PayloadArchive = { keep: async () => undefined, restore: async () => undefined };

/** The adapters every function shares, over the composition's clients. */
export const createStorePorts = (clients: AwsClients, config: StoreConfig) => {
  const directory = new DynamoDirectory(clients.documents, config.tableName);
  const s3 = { ...clientSettings(clients.config, 's3'), forcePathStyle: clients.config.s3ForcePathStyle ?? false };
  return {
    clock: systemClock,
    directory,
    destinationState: new DynamoDestinationState(clients.documents, config.tableName, systemClock),
    messages: new DynamoMessageStore(
      clients.documents,
      config.tableName,
      systemClock,
      config.recordRetentionDays ?? defaultRecordRetentionDays(config.payloadRetentionDays),
    ),
    queues: new SqsDestinationQueues(clients.sqs, config.queues),
    payloads: lazyPayloadStore(config.payloadBucket, s3),
    archive: config.payloadRetentionDays > 0 ? lazyPayloadArchive(config.payloadBucket, s3) : KEEP_NOTHING,
    payloadRetentionDays: config.payloadRetentionDays,
    redeliveries: new DynamoRedeliveryStore(clients.documents, config.tableName, systemClock),
    uploads: new DynamoUploadRecords(clients.documents, config.tableName),
    uploadObjects: lazyUploadObjects(config.payloadBucket, s3, systemClock),
  };
};

export type StorePorts = ReturnType<typeof createStorePorts>;
