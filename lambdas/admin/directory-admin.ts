import type { RedeliveryStore } from '../shared/ports/redeliveries';
import { keyRotationConflict, notFound, provisioningFailed, subscriptionExists } from '../shared/domain/errors';
import { checkDestinationUrl, type DestinationUrlPolicy } from '../shared/domain/destination-url';
import { isRemoved, requireProvisioned } from '../shared/domain/destinations';
import { certificateChangeOf, certificateSummaries } from '../shared/domain/client-certificates';
import { hashApiKey, isId, newApiKey, newId, newSigningSecret } from '../shared/domain/ids';
import type {
  Arrival,
  Destination,
  Organization,
  ProvisionedDestination,
  ProvisioningDestination,
} from '../shared/domain/model';
import {
  INLINE_RETRY_LIMITS,
  KEY_GRACE_LIMITS_SECONDS,
  TIMEOUT_LIMITS_MS,
  destinationRequestSchema,
  keyRotationRequestSchema,
  organizationRequestSchema,
  parseRequest,
  sourceRequestSchema,
  subscriptionRequestSchema,
} from '../shared/domain/schemas';
import { errorFields } from '../shared/runtime/logging';
import { type PausePorts } from '../shared/pauses/pause-ports';
import { waitingCount } from '../shared/pauses/waiting-count';
import type { AuditTrail } from '../shared/ports/audit';
import type { DestinationVerifications } from '../shared/ports/destination-verification';
import type { Directory, DirectoryCatalog } from '../shared/ports/directory';
import type { EventSourceMappings } from '../shared/ports/queues';
import { type Query, pageAnswer, readListingQuery } from './paging';
import { verifyAtCreation } from './verification-attempts';

/** What the admin use cases take: the pause episode's ports and settings, the mappings it creates, and the URL policy. */
export interface AdminPorts extends PausePorts {
  /**
   * Registration creates a destination's mapping itself (the contract answers only once it
   * exists, within API Gateway's 30 s), through the same adapter as the reconciler: its token
   * bucket and retries. Nothing else here calls Lambda's control plane.
   */
  readonly mappings: EventSourceMappings;
  /** Which destination URLs a deployment accepts (see `checkDestinationUrl`). */
  readonly urlPolicy: DestinationUrlPolicy;
  /** The directory's listings, changes and deletions. */
  readonly catalog: DirectoryCatalog;
  /** Where every admin write is recorded. */
  readonly audit: AuditTrail;
  /** Redeliveries under way, the arrival log they read, and the transmissions they move. */
  readonly redeliveries: RedeliveryStore;
  /** Days delivered payloads are kept (0: none); a redelivery reaching further back is refused. */
  readonly payloadRetentionDays: number;
  /** How long (ms) `POST …/redeliver` enqueues before it answers and leaves the rest to the prober. */
  readonly redeliveryBudgetMs: number;
  /** The writes of endpoint verification (`unverified` and back). */
  readonly verifications: DestinationVerifications;
  /** New destinations require endpoint verification unless created with `verify: false` (`VERIFY_DESTINATIONS`). */
  readonly verifyDestinations: boolean;
}

/** The organization with this id; 404 `organization_not_found` for an unknown id or one of the wrong shape. */
export const requireOrganization = async (organizationId: string, directory: Directory): Promise<Organization> => {
  const organization = isId('organization', organizationId)
    ? await directory.getOrganization(organizationId)
    : undefined;
  if (!organization) throw notFound('organization', organizationId);
  return organization;
};

/**
 * The destination with this id, provisioned. Throws 404 `destination_not_found` for an id of the
 * wrong shape, an unknown id, a destination still being provisioned (or whose provisioning
 * failed), or one being deleted or deleted; `DestinationStateError` when it is recorded active or
 * paused without its queue.
 */
export const requireDestination = async (
  destinationId: string,
  directory: Directory,
): Promise<ProvisionedDestination> => {
  const destination = isId('destination', destinationId) ? await directory.getDestination(destinationId) : undefined;
  if (!destination || destination.status === 'provisioning' || isRemoved(destination))
    throw notFound('destination', destinationId);
  return requireProvisioned(destination);
};

/** `POST /v1/admin/organizations` */
export const createOrganization = async (body: unknown, ports: AdminPorts) => {
  const request = parseRequest(organizationRequestSchema, body);
  const organization: Organization = { id: newId('organization'), ...request, createdAt: ports.clock().toISOString() };
  await ports.directory.putOrganization(organization);
  ports.log.info('Organization created', { organizationId: organization.id });
  return { id: organization.id, name: organization.name, alertEmail: organization.alertEmail };
};

/** `POST /v1/admin/organizations/{orgId}/sources`: the API key is returned here once and stored hashed. */
export const createSource = async (organizationId: string, readBody: () => unknown, ports: AdminPorts) => {
  await requireOrganization(organizationId, ports.directory);
  const request = parseRequest(sourceRequestSchema, readBody());
  const source = { id: newId('source'), organizationId, name: request.name, createdAt: ports.clock().toISOString() };
  const apiKey = newApiKey();
  await ports.directory.putSource(source, hashApiKey(apiKey));
  ports.log.info('Source created', { organizationId, sourceId: source.id });
  return { id: source.id, organizationId, name: source.name, apiKey };
};

/**
 * `POST /v1/admin/sources/{sourceId}/keys`: issues the source a new API key (shown once). The key
 * it had keeps working for `graceSeconds` (default a day), so integrators can switch without a
 * gap; then it is refused with 401.
 */
export const rotateSourceKey = async (sourceId: string, readBody: () => unknown, ports: AdminPorts) => {
  if (!isId('source', sourceId) || !(await ports.directory.getSource(sourceId))) throw notFound('source', sourceId);
  const request = parseRequest(keyRotationRequestSchema, readBody());
  const graceSeconds = request.graceSeconds ?? KEY_GRACE_LIMITS_SECONDS.default;
  const apiKey = newApiKey();
  const previousKeyValidUntil = new Date(ports.clock().getTime() + graceSeconds * 1000).toISOString();
  const outcome = await ports.directory.rotateSourceKey(sourceId, hashApiKey(apiKey), previousKeyValidUntil);
  if (outcome === 'source_not_found') throw notFound('source', sourceId);
  if (outcome === 'conflict') throw keyRotationConflict();
  ports.log.info('Source key rotated', { sourceId, previousKeyValidUntil });
  return { sourceId, apiKey, previousKeyValidUntil };
};

/** What a provisioning created so far, to be undone if it fails. */
interface Provisioned {
  queueUrl?: string;
  mappingId?: string;
}

/**
 * Undoes a provisioning that failed, newest first: the mapping (so nothing polls), the queue, then
 * the destination's record. Best effort: a removal that fails is logged by name with the id to
 * remove by hand, and the others are still tried. Never throws.
 */
const undoProvisioning = async (destinationId: string, provisioned: Provisioned, ports: AdminPorts): Promise<void> => {
  const { queueUrl, mappingId } = provisioned;
  const removals: Array<[what: string, ids: Record<string, string>, remove: () => Promise<void>]> = [];
  if (mappingId !== undefined) removals.push(['mapping', { mappingId }, () => ports.mappings.remove(mappingId)]);
  if (queueUrl !== undefined) removals.push(['queue', { queueUrl }, () => ports.queues.remove(queueUrl)]);
  removals.push(['record', {}, () => ports.directory.removeDestination(destinationId)]);
  for (const [what, ids, remove] of removals) {
    try {
      await remove();
    } catch (error) {
      ports.log.error(`Could not remove the ${what} of a failed provisioning`, {
        destinationId,
        ...ids,
        ...errorFields(error),
      });
    }
  }
};

/**
 * `POST /v1/admin/organizations/{orgId}/destinations`: answers only once the destination's own FIFO
 * queue and its event-source mapping exist.
 *
 * 1. Check the organization (404), the request (400) and the URL against the deployment's policy (400).
 * 2. Record the destination as `provisioning` (the admin API answers 404 for it, ingest never routes to it).
 * 3. Create its queue, then its mapping, then record both and mark it active — or, when it
 *    requires verification (`verify`, default the deployment's `verifyDestinations`), unverified.
 * 4. When step 3 fails: remove what it created, newest first, and the record (best effort, see
 *    `undoProvisioning`), then answer 503 `provisioning_failed`. A retry is a new request with a
 *    new id and secret, so nothing of this attempt is left for it to find.
 * 5. Unverified: send the verification challenge once (`verifyAtCreation`); the answer says
 *    `active` when the endpoint echoed it, else `unverified` with the failure (`verification`).
 */
export const createDestination = async (organizationId: string, readBody: () => unknown, ports: AdminPorts) => {
  await requireOrganization(organizationId, ports.directory);
  const request = parseRequest(destinationRequestSchema, readBody());
  const url = await checkDestinationUrl(request.url, ports.urlPolicy);
  const certificates = certificateChangeOf(request, undefined, ports.clock());
  const signingSecret = newSigningSecret();
  const destination: ProvisioningDestination = {
    id: newId('destination'),
    organizationId,
    name: request.name,
    url: url.href,
    timeoutMs: request.timeoutMs ?? TIMEOUT_LIMITS_MS.default,
    inlineRetries: request.inlineRetries ?? INLINE_RETRY_LIMITS.default,
    ...(request.maxPerSecond === undefined ? {} : { maxPerSecond: request.maxPerSecond }),
    ...((request.verify ?? ports.verifyDestinations) ? { verify: true } : {}),
    ...(certificates.clientCertificate ? { clientCertificate: certificates.clientCertificate } : {}),
    ...(certificates.caBundle ? { caBundle: certificates.caBundle } : {}),
    signingSecret,
    status: 'provisioning',
    createdAt: ports.clock().toISOString(),
  };
  await ports.directory.putDestination(destination);
  let active: Destination;
  const provisioned: Provisioned = {};
  try {
    const queue = await ports.queues.provision(destination.id);
    provisioned.queueUrl = queue.queueUrl;
    const mappingId = await ports.mappings.create(queue.queueArn);
    provisioned.mappingId = mappingId;
    active = destination.verify
      ? await ports.verifications.markProvisionedUnverified(destination.id, { ...queue, mappingId })
      : await ports.directory.markDestinationProvisioned(destination.id, { ...queue, mappingId });
  } catch (error) {
    ports.log.error('Destination provisioning failed', { destinationId: destination.id, ...errorFields(error) });
    await undoProvisioning(destination.id, provisioned, ports);
    throw provisioningFailed();
  }
  ports.log.info('Destination created', { organizationId, destinationId: destination.id, status: active.status });
  const verification = active.status === 'unverified' ? await verifyAtCreation(active, ports) : undefined;
  return {
    id: active.id,
    organizationId,
    name: active.name,
    url: active.url,
    timeoutMs: active.timeoutMs,
    inlineRetries: active.inlineRetries,
    ...(active.maxPerSecond === undefined ? {} : { maxPerSecond: active.maxPerSecond }),
    ...certificateSummaries(active),
    signingSecret,
    ...(destination.verify ? { verify: true } : {}),
    status: !destination.verify || verification?.outcome === 'verified' ? ('active' as const) : ('unverified' as const),
    ...(verification?.outcome === 'failed'
      ? { verification: { lastAttemptAt: verification.at, lastError: verification.reason } }
      : {}),
  };
};

/**
 * `POST /v1/admin/subscriptions` `{sourceId, destinationId, dataModel, eventType?}` → the subscription.
 *
 * 1. Validate the body (400 naming the field).
 * 2. Find the source and the destination (404 `source_not_found`, `destination_not_found`).
 * 3. Create it unless an equal one (same source, destination, dataModel and eventType) exists:
 *    the store decides in the same write, so two equal requests at once create one; the other
 *    answers 409 `subscription_exists` naming the existing id.
 */
export const createSubscription = async (body: unknown, ports: AdminPorts) => {
  const request = parseRequest(subscriptionRequestSchema, body);
  if (!(await ports.directory.getSource(request.sourceId))) throw notFound('source', request.sourceId);
  await requireDestination(request.destinationId, ports.directory);
  const subscription = { id: newId('subscription'), ...request, createdAt: ports.clock().toISOString() };
  const put = await ports.directory.putSubscription(subscription);
  if (!put.created) throw subscriptionExists(put.existingId);
  ports.log.info('Subscription created', {
    subscriptionId: subscription.id,
    sourceId: request.sourceId,
    destinationId: request.destinationId,
  });
  return subscription;
};

/** `GET /v1/admin/destinations/{id}`: never the signing secret, nor a certificate's PEM or key (summaries only). */
export const describeDestination = async (destinationId: string, ports: AdminPorts) => {
  const destination = await requireDestination(destinationId, ports.directory);
  return {
    id: destination.id,
    organizationId: destination.organizationId,
    name: destination.name,
    url: destination.url,
    timeoutMs: destination.timeoutMs,
    inlineRetries: destination.inlineRetries,
    ...(destination.maxPerSecond === undefined ? {} : { maxPerSecond: destination.maxPerSecond }),
    ...(destination.verify ? { verify: true } : {}),
    ...certificateSummaries(destination),
    status: destination.status,
    ...(destination.status === 'unverified' && destination.verification
      ? { verification: destination.verification }
      : {}),
    ...(destination.pause
      ? {
          pausedAt: destination.pause.pausedAt,
          pauseReason: destination.pause.reason,
          fault: destination.pause.fault,
          headMessageId: destination.pause.headMessageId,
          headTransmissionId: destination.pause.headTransmissionId,
          nextRetryAt: destination.pause.nextRetryAt,
        }
      : {}),
    queueDepth: await waitingCount(destination, ports),
    ...(destination.spilled ? { spilled: destination.spilled } : {}),
  };
};

/**
 * `GET /v1/admin/destinations/{id}/transmissions?limit=&cursor=`: the delivered transmissions in
 * delivery order (by arrival, then sequence; sequences are handed out in delivery order).
 */
export const listDeliveredTransmissions = async (destinationId: string, query: Query, ports: AdminPorts) => {
  await requireDestination(destinationId, ports.directory);
  // Positions are arrival-log sort keys: zero-padded sequences.
  const request = readListingQuery('transmissions', query, [], (position) => /^\d{12}$/.test(position));
  const page = await ports.messages.listArrivals(destinationId, request.page.limit, request.page.after);
  return pageAnswer(
    'transmissions',
    request,
    { items: page.items, ...(page.cursor === undefined ? {} : { after: page.cursor }) },
    (arrival: Arrival) => ({
      id: arrival.transmissionId,
      messageId: arrival.messageId,
      destinationId,
      status: 'delivered' as const,
      sequence: arrival.sequence,
      arrivedAt: arrival.arrivedAt,
      attempts: arrival.attempts,
    }),
  );
};
