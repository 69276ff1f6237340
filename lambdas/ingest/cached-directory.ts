import { isProvisioned } from '../shared/domain/destinations';
import type { Destination, Subscription } from '../shared/domain/model';
import type { ApiKeyHolder, Directory } from '../shared/ports/directory';
import type { Clock } from '../shared/ports/observe';

/** What ingest reads from the directory: API keys, destinations and a source's subscriptions. */
export type IngestDirectory = Pick<Directory, 'findApiKey' | 'getDestination' | 'listSubscriptionsOfSource'>;

/**
 * Ingest's directory reads, with destinations and each source's subscriptions remembered for
 * `ttlMs` by a warm function: they are looked up on every message and change rarely (ingest uses
 * only a destination's id and queue, which never change). Misses are not remembered, so a new
 * destination works at once. Only provisioned destinations are remembered; each map is cleared
 * once it holds 10,000 entries.
 *
 * Subscriptions are remembered only to route without waiting for them: `listSubscriptionsOfSource`
 * always reads the store (and remembers what it read), and `acceptMessage` reads them afresh in
 * parallel with its queue writes and checks the route it took before it answers, so a
 * subscription created or deleted applies to the very next message (see `acceptMessage`).
 *
 * API keys are not remembered: a deleted source's keys must be refused on the very next request
 * (the contract's "keys stop working at once"), and a warm cache would keep them working. Each
 * request reads the key's record (one strongly consistent GetItem), which deleting the source
 * removes in the same transaction as the source.
 */
export class CachedDirectory implements IngestDirectory {
  private readonly destinations = new Map<string, { value: Destination; until: number }>();
  private readonly subscriptions = new Map<string, { value: readonly Subscription[]; until: number }>();

  constructor(
    private readonly directory: Directory,
    private readonly ttlMs: number,
    private readonly clock: Clock,
  ) {}

  findApiKey(apiKeyHash: string): Promise<ApiKeyHolder | undefined> {
    return this.directory.findApiKey(apiKeyHash);
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
    const hit = this.subscriptions.get(sourceId);
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
