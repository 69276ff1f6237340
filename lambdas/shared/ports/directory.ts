/** The directory port: organizations, sources (and their API keys), destinations and subscriptions. */
import type { Destination, Organization, Source, Subscription } from '../domain/model';

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
}

export interface ApiKeyHolder {
  readonly source: Source;
  /** Set once the key was replaced: it stops working at this time. */
  readonly validUntil?: string;
}
