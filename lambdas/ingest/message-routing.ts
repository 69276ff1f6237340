/**
 * Where a message goes (`POST /v1/messages`, step 4 of `acceptMessage`): by the source's
 * subscriptions as a warm function remembers them, checked against a fresh read made at the same
 * time, or by the fresh read alone.
 */
import { isProvisioned } from '../shared/domain/destinations';
import { destinationNotAllowed, noDestination, notFound, ApiError } from '../shared/domain/errors';
import type { Destination, ProvisionedDestination, Subscription } from '../shared/domain/model';
import { type Route, route, sameRoute } from '../shared/domain/routing';
import type { MessageRequest } from '../shared/domain/schemas';
import type { Directory } from '../shared/ports/directory';

/**
 * What routing reads. `getDestination` may answer from a warm function's memory
 * (`CachedDirectory`); `getDestinationNow` always reads the store, for the rare named destination
 * no subscription covers (one deleted since it was remembered has lost its subscriptions).
 * `listSubscriptionsOfSource` always reads the store; `rememberedSubscriptionsOf`, where the
 * directory has a memory, answers what it last read (or undefined), so that routing need not wait
 * for the store: the route is checked against a fresh read before the message is committed.
 */
export type RoutingDirectory = Pick<Directory, 'getDestination' | 'listSubscriptionsOfSource'> & {
  getDestinationNow(id: string): Promise<Destination | undefined>;
  rememberedSubscriptionsOf?(sourceId: string): readonly Subscription[] | undefined;
};

/** The source's subscriptions: as remembered (when they are), and as read from the store (started at once). */
export interface SubscriptionReads {
  readonly remembered?: readonly Subscription[];
  readonly fresh: Promise<readonly Subscription[]>;
}

/** Starts the fresh read; its failure is answered where it is awaited (never an unhandled rejection). */
export const readSubscriptions = (sourceId: string, directory: RoutingDirectory): SubscriptionReads => {
  const fresh = directory.listSubscriptionsOfSource(sourceId);
  fresh.catch(() => undefined);
  const remembered = directory.rememberedSubscriptionsOf?.(sourceId);
  return remembered === undefined ? { fresh } : { remembered, fresh };
};

/** A destination ingest can route to: it exists, has its queue and is neither being deleted nor deleted. */
const usable = (destination: Destination | undefined): destination is ProvisionedDestination =>
  destination !== undefined && isProvisioned(destination);

/** The destinations a message goes to, the route they come from, and whether its subscriptions came from memory. */
export interface Routing {
  readonly destinations: ProvisionedDestination[];
  readonly route: Route;
  readonly remembered: boolean;
}

/**
 * The destinations a message goes to (`destinationsOf`), by the remembered subscriptions when there
 * are any; a refusal by those (403, 404, 422) is decided again by the fresh read, so a subscription
 * or destination created a moment ago works at once.
 */
export const resolveDestinations = async (
  request: MessageRequest,
  subscriptions: SubscriptionReads,
  directory: RoutingDirectory,
): Promise<Routing> => {
  if (subscriptions.remembered !== undefined) {
    try {
      return { ...(await destinationsOf(request, subscriptions.remembered, directory)), remembered: true };
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
    }
  }
  return { ...(await destinationsOf(request, await subscriptions.fresh, directory)), remembered: false };
};

/**
 * Step 7's check of a route taken from remembered subscriptions, once its entries are sent: the
 * subscriptions as stored now when they route the message otherwise, undefined when the route
 * holds (or came from the store in the first place).
 * @throws what the fresh read threw
 */
export const changedSubscriptions = async (
  routing: Routing,
  request: MessageRequest,
  subscriptions: SubscriptionReads,
): Promise<readonly Subscription[] | undefined> => {
  if (!routing.remembered) return undefined;
  const current = await subscriptions.fresh;
  return sameRoute(route(request.meta, current), routing.route) ? undefined : current;
};

/**
 * The destinations a message goes to: each one it names must exist (404) and be covered by one of
 * the source's subscriptions (403); without names, every destination a covering subscription
 * points to. None at all is 422. A deleted destination (or one being deleted) counts as absent:
 * its deletion removes its subscriptions first, so routing by subscription never reaches it (a
 * route from remembered subscriptions is checked against the store: `changedSubscriptions`), and a
 * named one that no subscription covers is read again from the store (not the warm cache, which
 * may remember it from before its deletion) to tell 404 from 403.
 */
const destinationsOf = async (
  request: MessageRequest,
  subscriptions: readonly Subscription[],
  directory: RoutingDirectory,
): Promise<{ destinations: ProvisionedDestination[]; route: Route }> => {
  const routed = route(request.meta, subscriptions);
  const named = request.meta.destinations ?? [];
  const [covered, uncovered] = await Promise.all([
    Promise.all(routed.destinationIds.map((id) => directory.getDestination(id))),
    Promise.all(routed.uncovered.map((id) => directory.getDestinationNow(id))),
  ]);
  const byId = new Map([...covered, ...uncovered].filter(usable).map((destination) => [destination.id, destination]));

  const missing = named.find((id) => !byId.has(id));
  if (missing !== undefined) throw notFound('destination', missing);
  const forbidden = routed.uncovered[0];
  if (forbidden !== undefined) throw destinationNotAllowed(forbidden);
  const destinations = routed.destinationIds.map((id) => byId.get(id)).filter(usable);
  if (destinations.length === 0) throw noDestination();
  return { destinations, route: routed };
};
