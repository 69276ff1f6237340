import { isProvisioned } from '../shared/domain/destinations';
import type { Destination, Subscription } from '../shared/domain/model';
import type { ApiKeyHolder, Directory } from '../shared/ports/directory';
import type { Clock } from '../shared/ports/observe';

/** What ingest reads from the directory: API keys, destinations and a source's subscriptions. */
export type IngestDirectory = Pick<Directory, 'findApiKey' | 'getDestination' | 'listSubscriptionsOfSource'>;

/**
 * Ingest's directory reads, with API keys, destinations and each source's subscriptions
 * remembered for `ttlMs` by a warm function: they are looked up on every message and change
 * rarely (ingest uses only a destination's id and queue, which never change). Misses are not
 * remembered, so a new key or destination works at once. Only keys found and provisioned
 * destinations are remembered; each map is cleared once it holds 10,000 entries.
 *
 * Keys and subscriptions are remembered only to go ahead without waiting for them, never to
 * decide: `findApiKey` and `listSubscriptionsOfSource` always read the store (and remember what
 * they read; a key not found is forgotten), and `POST /v1/messages` reads both afresh in parallel
 * with its queue writes and commits the message only once the fresh reads confirm what memory
 * said (see `acceptMessage`). So a subscription created or deleted applies to the very next
 * message, and a deleted source's keys, or a replaced key past its grace period, are refused on
 * the very next request (the contract's "keys stop working at once"): a key refused by the fresh
 * read gets 401 and its message is abandoned (its queued copies are dropped by delivery, never
 * delivered), whatever memory said. Memory saves no read: each request still reads the key's
 * record (one strongly consistent GetItem, which deleting the source removes in the same
 * transaction as the source), only no longer before its queue writes.
 */
export class CachedDirectory implements IngestDirectory {
  private readonly destinations = new Map<string, { value: Destination; until: number }>();
  private readonly subscriptions = new Map<string, { value: readonly Subscription[]; until: number }>();
  private readonly apiKeys = new Map<string, { value: ApiKeyHolder; until: number }>();

  constructor(
    private readonly directory: Directory,
    private readonly ttlMs: number,
    private readonly clock: Clock,
  ) {}

  /**
   * The key's record as stored now (strongly consistent), remembered for the next request when
   * found, forgotten when not.
   */
  async findApiKey(apiKeyHash: string): Promise<ApiKeyHolder | undefined> {
    const key = await this.directory.findApiKey(apiKeyHash);
    if (key === undefined) this.apiKeys.delete(apiKeyHash);
    else remember(this.apiKeys, apiKeyHash, key, this.clock().getTime() + this.ttlMs);
    return key;
  }

  /**
   * The key's record as last read, if that was less than `ttlMs` ago; never reads the store. Its
   * `validUntil` is still to be judged (a key in its grace period is remembered too).
   */
  rememberedApiKey(apiKeyHash: string): ApiKeyHolder | undefined {
    return this.recalled(this.apiKeys, apiKeyHash);
  }

  getDestination(id: string): Promise<Destination | undefined> {
    // Only a provisioned destination: one still being provisioned gets its queue any moment.
    return this.remembered(this.destinations, id, () => this.directory.getDestination(id), isProvisioned);
  }

  /** The destination as stored now, never from memory (and not remembered either). */
  getDestinationNow(id: string): Promise<Destination | undefined> {
    this.destinations.delete(id);
    return this.directory.getDestination(id);
  }

  /** The source's subscriptions as stored now (strongly consistent), remembered for the next message. */
  async listSubscriptionsOfSource(sourceId: string): Promise<Subscription[]> {
    const subscriptions = await this.directory.listSubscriptionsOfSource(sourceId);
    remember(this.subscriptions, sourceId, subscriptions, this.clock().getTime() + this.ttlMs);
    return subscriptions;
  }

  /** The source's subscriptions as last read, if that was less than `ttlMs` ago; never reads the store. */
  rememberedSubscriptionsOf(sourceId: string): readonly Subscription[] | undefined {
    return this.recalled(this.subscriptions, sourceId);
  }

  /** What `cache` holds under `key`, if it was remembered less than `ttlMs` ago. */
  private recalled<T>(cache: Map<string, { value: T; until: number }>, key: string): T | undefined {
    const hit = cache.get(key);
    return hit && hit.until > this.clock().getTime() ? hit.value : undefined;
  }

  private async remembered<T>(
    cache: Map<string, { value: T; until: number }>,
    key: string,
    read: () => Promise<T | undefined>,
    keep: (value: T) => boolean,
  ) {
    const now = this.clock().getTime();
    const hit = cache.get(key);
    if (hit && hit.until > now) return hit.value;
    const value = await read();
    if (value === undefined || !keep(value)) {
      cache.delete(key);
      return value;
    }
    remember(cache, key, value, now + this.ttlMs);
    return value;
  }
}

/** Keeps `value` under `key` until `until` (epoch ms). */
const remember = <T>(cache: Map<string, { value: T; until: number }>, key: string, value: T, until: number) => {
  // A warm function sees few distinct keys; the bound only guards against an unbounded map.
  if (cache.size >= 10_000 && !cache.has(key)) cache.clear();
  cache.set(key, { value, until });
};
