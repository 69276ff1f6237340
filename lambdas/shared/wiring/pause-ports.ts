import { setTimeout as sleep } from 'node:timers/promises';
import { DynamoOutbox } from '../adapters/dynamodb/outbox';
import { DynamoSpill } from '../adapters/dynamodb/spill';
import { lazyEventSourceMappings, lazySesMailer } from '../adapters/lazy-adapters';
import { UndiciDeliverer } from '../adapters/undici-deliverer';
import type { DestinationUrlPolicy } from '../domain/destination-url';
import type { PausePorts } from '../pauses/pause-ports';
import type { Log, Meter } from '../ports/observe';
import type { EventSourceMappings } from '../ports/queues';
import type { PauseConfig, StoreConfig } from '../runtime/config';
import { resolveAllAddresses } from '../runtime/dns';
import { type AwsClients, clientSettings } from './clients';
import { createStorePorts, systemClock } from './store-ports';

/** What a function brings to its pause ports: the mappings it drives, its log and its meter. */
export interface PauseEdges {
  readonly mappings: EventSourceMappings;
  readonly log: Log;
  readonly meter: Meter;
}

/** Event-source mappings over the Lambda API; `deliveryFunctionArn` only where they are created (admin). */
export const createEventSourceMappings = (clients: AwsClients, deliveryFunctionArn?: string): EventSourceMappings =>
  lazyEventSourceMappings(deliveryFunctionArn, clientSettings(clients.config, 'lambda'));

/** Everything delivery, probing and the operator controls need. */
export const createPausePorts = (clients: AwsClients, config: { readonly store: StoreConfig; readonly pauses: PauseConfig }, edges: PauseEdges): PausePorts => ({
  ...createStorePorts(clients, config.store),
  ...edges,
  outbox: new DynamoOutbox(clients.documents, config.store.tableName, systemClock),
  mailer: lazySesMailer(config.pauses.alertFromAddress, clientSettings(clients.config, 'ses')),
  deliverer: new UndiciDeliverer({ allowPrivate: config.pauses.allowPrivateDestinations }),
  spill: new DynamoSpill(clients.documents, config.store.tableName),
  sleep: (ms: number) => sleep(ms),
  ...config.pauses.settings,
});

/** The admin function's ports: the pause ports and the check of a destination's URL. */
export const createAdminPorts = (
  clients: AwsClients,
  config: { readonly store: StoreConfig; readonly pauses: PauseConfig },
  edges: PauseEdges,
): PausePorts & { readonly urlPolicy: DestinationUrlPolicy } => ({
  ...createPausePorts(clients, config, edges),
  urlPolicy: { allowPrivate: config.pauses.allowPrivateDestinations, resolve: resolveAllAddresses },
});
