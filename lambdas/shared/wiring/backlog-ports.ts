import { DynamoArrivalLog } from '../adapters/dynamodb/arrival-log';
import { SqsDestinationQueues } from '../adapters/sqs-destination-queues';
import type { BacklogDependencies } from '../pauses/backlog-age';
import type { StoreConfig } from '../runtime/config';
import type { AwsClients } from './clients';

/**
 * The backlog-age pass's own ports (the prober's, beside its pause ports): the destination queues,
 * listed by the deployment's name prefix, and where delivery stands in each (the destination items).
 */
export const createBacklogPorts = (clients: AwsClients, config: StoreConfig): BacklogDependencies => ({
  queueListing: new SqsDestinationQueues(clients.sqs, config.queues),
  deliveryHeads: new DynamoArrivalLog(clients.documents, config.tableName),
});
