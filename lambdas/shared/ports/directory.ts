/** The directory port: organizations, sources (and their API keys), destinations and subscriptions. */
import type { CertificateChange } from '../domain/client-certificates';
import type { Destination, DestinationSettings, Organization, Source, Subscription } from '../domain/model';
import type { Page, PageRequest } from './pages';

/** What a deletion records when it starts: when (ISO 8601), and whether waiting entries were to be cancelled. */
export interface DeletionStart {
  readonly deletingAt: string;
  readonly forced: boolean;
}

/** Organizations, sources, destinations and subscriptions: what routing and the admin API read and write. */
export interface Directory {
  putOrganization(organization: Organization): Promise<void>;
  getOrganization(id: string): Promise<Organization | undefined>;
  putSource(source: Source, apiKeyHash: string): Promise<void>;
  getSource(id: string): Promise<Source | undefined>;
  /** The source an API key belongs to, and until when the key works when it has been replaced. */
  findApiKey(apiKeyHash: string): Promise<ApiKeyHolder | undefined>;
  /**
   * Issues a source a new key; the key it had keeps working until `previousValidUntil`.
   * `conflict` when another rotation of the same source happened in between.
   */
  rotateSourceKey(
    sourceId: string,
    newApiKeyHash: string,
    previousValidUntil: string,
  ): Promise<'rotated' | 'source_not_found' | 'conflict'>;
  putDestination(destination: Destination): Promise<void>;
  getDestination(id: string): Promise<Destination | undefined>;
  markDestinationProvisioned(
    id: string,
    provisioned: { queueUrl: string; queueArn: string; mappingId: string },
  ): Promise<Destination>;
  /**
   * Removes a destination's own item, whatever its state, and nothing else (not its queue, mapping,
   * subscriptions or arrival log): undoes a provisioning that failed, whose id nobody was given.
   * An absent item counts as removed.
   */
  removeDestination(id: string): Promise<void>;
  /**
   * Creates a subscription unless one with the same sourceId, destinationId, dataModel and
   * eventType (or the same absence of one) exists: decided by the store in the same write, so
   * two equal requests at the same moment create one. Safe to repeat with the same subscription.
   */
  putSubscription(subscription: Subscription): Promise<SubscriptionPut>;
  listSubscriptionsOfSource(sourceId: string): Promise<Subscription[]>;

  // ── Deleting a destination (`DELETE /v1/admin/destinations/{id}`, admin/delete-destination.ts) ──

  /**
   * Records an active or paused destination as `deleting`, in one conditional write that holds only
   * while its status is still `from` (and, unless `start.forced`, nothing is in its spill): its
   * pause is removed and it leaves the prober's paused set. From then on a pause, resume or probe
   * recorded against it is refused by its own condition, so none can bring it back. True when
   * recorded (by this call or its own earlier attempt whose answer was lost); false when the
   * condition did not hold (read it again).
   */
  recordDestinationDeleting(
    id: string,
    from: 'active' | 'paused' | 'unverified',
    start: DeletionStart,
  ): Promise<boolean>;
  /**
   * Undoes `recordDestinationDeleting` of an active (or unverified) destination, before anything of
   * it was removed (a deletion without force that found entries after all): back to `to` (default
   * `active`). False when it is no longer deleting from that start.
   */
  restoreDeletingDestination(id: string, start: DeletionStart, to?: 'active' | 'unverified'): Promise<boolean>;
  /**
   * Marks a deleting destination `deleted` once its mapping, queue and spill are gone: a tombstone
   * that keeps the id unusable; its signing secret and head lease are removed. Safe to repeat.
   */
  recordDestinationDeleted(id: string, deletedAt: string): Promise<void>;
  /**
   * Removes every subscription that points to the destination, whichever source holds it, and
   * answers them (to put back when a deletion is undone). Safe to repeat.
   */
  removeSubscriptionsOfDestination(destinationId: string): Promise<Subscription[]>;
}

/** What `Directory.putSubscription` did: created it, or found an equal one (`existingId`) and created nothing. */
export type SubscriptionPut = { readonly created: true } | { readonly created: false; readonly existingId: string };

export interface ApiKeyHolder {
  readonly source: Source;
  /** Set once the key was replaced: it stops working at this time. */
  readonly validUntil?: string;
}

/** What `DirectoryCatalog.updateDestination` may change: the settings each attempt reads. */
export type DestinationChange = Partial<Pick<DestinationSettings, 'name' | 'url' | 'timeoutMs' | 'inlineRetries'>> & {
  /** `null` removes the limit. */
  readonly maxPerSecond?: number | null;
} & CertificateChange;

/** What `DirectoryCatalog.updateOrganization` may change. */
export type OrganizationChange = Partial<Pick<Organization, 'name' | 'alertEmail'>>;

/** Which destinations a listing answers: of one organization, in one status (provisioned ones only, always). */
export interface DestinationFilter {
  readonly organizationId?: string;
  readonly status?: 'active' | 'paused' | 'unverified';
}

/** Which subscriptions a listing answers. */
export interface SubscriptionFilter {
  readonly sourceId?: string;
  readonly destinationId?: string;
}

/**
 * The admin API's listings, changes and deletions of the directory: only the admin function uses
 * these, so routing's `Directory` (and its fakes) stay as they are. Every listing reads strongly
 * consistent, so what an admin write just did shows in the next listing.
 */
export interface DirectoryCatalog {
  /** Organizations, in id order. */
  listOrganizations(page: PageRequest): Promise<Page<Organization>>;
  /** Changes only the named fields; undefined when there is no such organization. */
  updateOrganization(id: string, change: OrganizationChange): Promise<Organization | undefined>;
  /** The organization's sources, in id order, without their key hashes. */
  listSources(organizationId: string, page: PageRequest): Promise<Page<Source>>;
  /**
   * Removes the source, its subscriptions and its API keys (current and replaced): from the answer
   * on, its keys are refused (401) by every reader. False when there is no such source.
   */
  deleteSource(sourceId: string): Promise<boolean>;
  /**
   * Provisioned destinations (never `provisioning`), in (organization, id) order; paused ones (with
   * `status: 'paused'`) oldest pause first, then by id.
   */
  listDestinations(filter: DestinationFilter, page: PageRequest): Promise<Page<Destination>>;
  /**
   * Changes only the named settings of a provisioned destination, leaving its status, pause and
   * leases as they are; undefined when there is no such destination or it is still provisioning.
   */
  updateDestination(id: string, change: DestinationChange): Promise<Destination | undefined>;
  getSubscription(id: string): Promise<Subscription | undefined>;
  /** Subscriptions in id order. */
  listSubscriptions(filter: SubscriptionFilter, page: PageRequest): Promise<Page<Subscription>>;
  /** False when there is no such subscription. */
  deleteSubscription(id: string): Promise<boolean>;
}
