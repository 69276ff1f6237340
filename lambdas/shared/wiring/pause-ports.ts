import { setTimeout as sleep } from 'node:timers/promises';
import { DynamoAuditTrail } from '../adapters/dynamodb/audit-trail';
import { DynamoDestinationVerifications } from '../adapters/dynamodb/destination-verification';
import { DynamoDirectoryCatalog } from '../adapters/dynamodb/directory-catalog';
import { DynamoMappingWorklist } from '../adapters/dynamodb/mapping-worklist';
import { DynamoOutbox } from '../adapters/dynamodb/outbox';
import { DynamoSpill } from '../adapters/dynamodb/spill';
import { lazyEventSourceMappings, lazySesMailer } from '../adapters/lazy-adapters';
import { HttpDeliverer } from '../adapters/http-deliverer';
import type { DestinationUrlPolicy } from '../domain/destination-url';
import type { PausePorts } from '../pauses/pause-ports';
import type { AuditTrail } from '../ports/audit';
import type { DestinationVerifications } from '../ports/destination-verification';
import type { DirectoryCatalog } from '../ports/directory';
import type { Log, Meter } from '../ports/observe';
import type { EventSourceMappings } from '../ports/queues';
import type { PauseConfig, StoreConfig } from '../runtime/config';
import { resolveAllAddresses } from '../runtime/dns';
import { type AwsClients, clientSettings } from './clients';
import { createStorePorts, type StorePorts, systemClock } from './store-ports';

/** What a function brings to its pause ports: its log and its meter (and, for the prober and admin, the mappings). */
export interface PauseEdges {
  readonly log: Log;
  readonly meter: Meter;
}

/**
 * The prober's share of Lambda's control plane, in calls per second: the quota is 15 for the whole
 * account and Region, shared with deploys and every other caller (Lambda quotas, "Control plane
 * API requests"). The local runtime's one adapter uses the same.
 */
export const RECONCILER_CALLS_PER_SECOND = 5;
/** The admin function's share: it only creates mappings, one per registration. */
export const ADMIN_CALLS_PER_SECOND = 2;

/**
 * Event-source mappings over the Lambda API, for the function that drives them: the prober (the
 * reconciler: enables, disables, lists) or admin (creates). Each gets its own token bucket, so
 * both together stay under the account's 15 control-plane calls per second:
 * `RECONCILER_CALLS_PER_SECOND` + `ADMIN_CALLS_PER_SECOND`. The delivery function gets none.
 */
export const createEventSourceMappings = (
  clients: AwsClients,
  options: { readonly deliveryFunctionArn: string; readonly role: 'reconciler' | 'admin' },
): EventSourceMappings =>
  lazyEventSourceMappings(
    {
      deliveryFunctionArn: options.deliveryFunctionArn,
      callsPerSecond: options.role === 'admin' ? ADMIN_CALLS_PER_SECOND : RECONCILER_CALLS_PER_SECOND,
    },
    clientSettings(clients.config, 'lambda'),
  );

/** Everything delivery, probing and the operator controls need, and whatever else `edges` brings (the mappings). */
export const createPausePorts = <E extends PauseEdges>(
  clients: AwsClients,
  config: { readonly store: StoreConfig; readonly pauses: PauseConfig },
  edges: E,
): PausePorts & E & Pick<StorePorts, 'redeliveries' | 'payloadRetentionDays'> => ({
  ...createStorePorts(clients, config.store),
  outbox: new DynamoOutbox(clients.documents, config.store.tableName, systemClock),
  mailer: lazySesMailer(config.pauses.alertFromAddress, clientSettings(clients.config, 'ses')),
  deliverer: new HttpDeliverer({ allowPrivate: config.pauses.allowPrivateDestinations }),
  spill: new DynamoSpill(clients.documents, config.store.tableName),
  worklist: new DynamoMappingWorklist(clients.documents, config.store.tableName, systemClock),
  sleep: (ms: number) => sleep(ms),
  ...config.pauses.settings,
  ...edges,
});

/**
 * The admin function's ports: the pause ports, the mappings it creates, the check of a
 * destination's URL, the directory's listings and changes, and the audit trail.
 */
export const createAdminPorts = <E extends PauseEdges & { readonly mappings: EventSourceMappings }>(
  clients: AwsClients,
  config: { readonly store: StoreConfig; readonly pauses: PauseConfig },
  edges: E,
): PausePorts &
  E &
  Pick<StorePorts, 'redeliveries' | 'payloadRetentionDays'> & {
    readonly urlPolicy: DestinationUrlPolicy;
    readonly catalog: DirectoryCatalog;
    readonly audit: AuditTrail;
    readonly verifications: DestinationVerifications;
  } => ({
  ...createPausePorts(clients, config, edges),
  urlPolicy: { allowPrivate: config.pauses.allowPrivateDestinations, resolve: resolveAllAddresses },
  catalog: new DynamoDirectoryCatalog(clients.documents, config.store.tableName),
  audit: new DynamoAuditTrail(clients.documents, config.store.tableName),
  verifications: new DynamoDestinationVerifications(clients.documents, config.store.tableName, systemClock),
});
