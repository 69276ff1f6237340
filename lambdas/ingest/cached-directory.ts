import { isProvisioned } from '../shared/domain/destinations';
import type { Destination } from '../shared/domain/model';
import type { ApiKeyHolder, Directory } from '../shared/ports/directory';
import type { Clock } from '../shared/ports/observe';

/** What ingest reads from the directory: API keys, destinations and a source's subscriptions. */
export type IngestDirectory = Pick<Directory, 'findApiKey' | 'getDestination' | 'listSubscriptionsOfSource'>;

/**
 * Ingest's directory reads, with destinations remembered for `ttlMs` by a warm function: they are
 * looked up on every message and change rarely (ingest uses only a destination's id and queue,
 * which never change). Misses are not remembered, so a new destination works at once;
 * subscriptions are always read, so routing changes apply at once. Only provisioned destinations
 * are remembered; the map is cleared once it holds 10,000 entries.
 *
 * API keys are not remembered: a deleted source's keys must be refused on the very next request
 * (the contract's "keys stop working at once"), and a warm cache would keep them working. Each
 * request reads the key's record (one strongly consistent GetItem), which deleting the source
 * removes in the same transaction as the source.
 */
export class CachedDirectory implements IngestDirectory {
  private readonly destinations = new Map<string, { value: Destination; until: number }>();

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

  listSubscriptionsOfSource(sourceId: string) {
    return this.directory.listSubscriptionsOfSource(sourceId);
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
    // A warm function sees few distinct keys; the bound only guards against an unbounded map.
    if (cache.size >= 10_000) cache.clear();
    cache.set(key, { value, until: now + this.ttlMs });
    return value;
  }
}
