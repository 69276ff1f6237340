/** `POST /v1/admin/destinations/{id}/redeliver`: a time range of a destination's deliveries, enqueued again in order. */
import { randomUUID } from 'node:crypto';
import { payloadExpired } from '../shared/domain/errors';
import { newId } from '../shared/domain/ids';
import { parseRequest, redeliverRequestSchema } from '../shared/domain/schemas';
import type { Redelivery, RedeliveryStore } from '../shared/ports/redeliveries';
import { REDELIVERY_LEASE_MS, type RedeliveryTurn, runRedelivery } from '../shared/redelivery/run-redelivery';
import { errorFields } from '../shared/runtime/logging';
import { type AdminPorts, requireDestination } from './directory-admin';

const DAY_MS = 24 * 3600 * 1000;
/** Arrivals read per page while counting a range (small items: a page stays well under DynamoDB's 1 MB). */
const COUNT_PAGE_SIZE = 1000;

/**
 * The transmissions that arrived in [since, until) among those numbered `from` to `upTo`: each
 * counted once, however often it arrived in the range (a redelivery's own arrivals).
 */
const countRange = async (
  store: RedeliveryStore,
  destinationId: string,
  range: { readonly since: string; readonly until: string },
  from: number,
  upTo: number,
): Promise<number> => {
  const transmissions = new Set<string>();
  for (let next = from; next <= upTo; ) {
    const page = await store.listArrivals(destinationId, next, upTo, COUNT_PAGE_SIZE);
    for (const arrival of page) {
      // Arrival times rise with sequence numbers: the first at or after `until` ends the range.
      if (arrival.arrivedAt >= range.until) return transmissions.size;
      if (arrival.arrivedAt >= range.since) transmissions.add(arrival.transmissionId);
    }
    if (page.length < COUNT_PAGE_SIZE) break;
    next = page.at(-1)!.sequence + 1;
  }
  return transmissions.size;
};

/**
 * `POST /v1/admin/destinations/{id}/redeliver {since, until, reason?}` → 202 `{count}`: every
 * transmission of the destination that arrived in [since, until) is enqueued again at the tail of
 * its queue, in its original arrival order, with its transmission id; delivery gives each a new
 * sequence number.
 *
 * 1. 404 for an unknown destination; 400 naming the field for a wrong body.
 * 2. 409 `payload_expired` when `since` is before the oldest payload still kept (now − the payload
 *    retention), or the deployment keeps none: nothing is enqueued.
 * 3. Count the range: the destination's latest sequence number bounds it (what arrives later, its
 *    own redeliveries among them, is not in it), a binary search finds where it starts, and a scan
 *    counts its distinct transmissions.
 * 4. Record the redelivery and enqueue it for up to `redeliveryBudgetMs` (unless an earlier
 *    redelivery of the destination is still being enqueued: this one goes after it). The prober
 *    enqueues what is left, page by page (`runRedelivery`), so a large range answers in seconds.
 *
 * @returns the number of transmissions in the range (those whose payload is gone by the time they
 *   are enqueued, or that are not delivered then, are left out and logged)
 * @throws ApiError 404 `destination_not_found`, 400 `invalid_request`, 409 `payload_expired`
 */
export const redeliver = async (
  destinationId: string,
  readBody: () => unknown,
  ports: AdminPorts,
): Promise<{ count: number }> => {
  const destination = await requireDestination(destinationId, ports.directory);
  const { since, until } = parseRequest(redeliverRequestSchema, readBody());
  const now = ports.clock();
  const oldestKept = new Date(now.getTime() - ports.payloadRetentionDays * DAY_MS).toISOString();
  if (ports.payloadRetentionDays === 0 || since < oldestKept)
    throw payloadExpired(ports.payloadRetentionDays, oldestKept);

  const store = ports.redeliveries;
  const lastSequence = await store.lastSequence(destination.id);
  const first = await store.firstSequenceArrivedFrom(destination.id, since, lastSequence);
  const count = await countRange(store, destination.id, { since, until }, first, lastSequence);
  if (count === 0) return { count };

  const redelivery: Redelivery = {
    id: newId('redelivery'),
    destinationId: destination.id,
    since,
    until,
    lastSequence,
    nextSequence: first,
    count,
    enqueued: 0,
    createdAt: now.toISOString(),
  };
  const holder = `admin:${randomUUID()}`;
  await store.create(redelivery, holder, REDELIVERY_LEASE_MS);
  ports.log.info('Redelivery asked for', { redeliveryId: redelivery.id, destinationId: destination.id, count });
  const earlier = (await store.listUnfinished()).some(
    (other) => other.destinationId === destination.id && other.id < redelivery.id,
  );
  let turn: RedeliveryTurn = 'more';
  if (!earlier) {
    try {
      turn = await runRedelivery(redelivery, holder, now.getTime() + ports.redeliveryBudgetMs, ports);
    } catch (error) {
      // Recorded already: the prober goes on from the last page this call finished.
      ports.log.warn('Redelivery left to the prober after a failure', {
        redeliveryId: redelivery.id,
        destinationId: destination.id,
        ...errorFields(error),
      });
    }
  }
  if (turn !== 'done') await store.release(redelivery.id, holder).catch(() => undefined);
  return { count };
};
