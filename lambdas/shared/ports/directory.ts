/** The directory port: organizations, sources (and their API keys), destinations and subscriptions. */
import type { Destination, Organization, Source, Subscription } from '../domain/model';

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
  putSubscription(subscription: Subscription): Promise<void>;
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
  recordDestinationDeleting(id: string, from: 'active' | 'paused', start: DeletionStart): Promise<boolean>;
  /**
   * Undoes `recordDestinationDeleting` of an active destination, before anything of it was removed
   * (a deletion without force that found entries after all): back to `active`. False when it is no
   * longer deleting from that start.
   */
  restoreDeletingDestination(id: string, start: DeletionStart): Promise<boolean>;
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

export interface ApiKeyHolder {
  readonly source: Source;
  /** Set once the key was replaced: it stops working at this time. */
  readonly validUntil?: string;
}
