/** The prober's ports: the pause ports and the lease that keeps its runs one at a time. */
import { DynamoProberLease } from '../adapters/dynamodb/prober-lease';
import type { ProberLease } from '../ports/prober-lease';
import type { PauseConfig, StoreConfig } from '../runtime/config';
import type { AwsClients } from './clients';
import { createPausePorts, type PauseEdges } from './pause-ports';
import { systemClock } from './store-ports';

/** The prober lease over the table (the adapter: the local runtime also clears it when it starts). */
export const createProberLease = (clients: AwsClients, store: StoreConfig): DynamoProberLease =>
  new DynamoProberLease(clients.documents, store.tableName, systemClock);

/** Everything the prober needs: the pause ports, what `edges` brings (the mappings it reconciles) and its lease. */
export const createProberPorts = <E extends PauseEdges>(
  clients: AwsClients,
  config: { readonly store: StoreConfig; readonly pauses: PauseConfig },
  edges: E,
): ReturnType<typeof createPausePorts<E>> & { readonly proberLease: ProberLease } => ({
  ...createPausePorts(clients, config, edges),
  proberLease: createProberLease(clients, config.store),
});
