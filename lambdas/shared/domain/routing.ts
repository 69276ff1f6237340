import type { Subscription } from './model';

/** What routing reads of a message: its data model, event type and the destinations it names. */
export interface MessageMeta {
  readonly dataModel: string;
  readonly eventType: string;
  readonly destinations?: readonly string[];
}

/** A subscription covers a message when the data model matches, and the event type where it names one. */
export const covers = (subscription: Subscription, meta: MessageMeta): boolean =>
  subscription.dataModel === meta.dataModel &&
  (subscription.eventType === undefined || subscription.eventType === meta.eventType);

/** Where a message goes (see `route`). */
export interface Route {
  /** Destinations the message goes to, in a stable order (explicit order, else subscription order). */
  readonly destinationIds: readonly string[];
  /** Explicitly named destinations that no subscription of the source covers. */
  readonly uncovered: readonly string[];
}

/**
 * Where a message goes: the destinations it names, each of which must be covered by one of the
 * sending source's subscriptions, or else every destination such a subscription points to.
 */
export const route = (meta: MessageMeta, subscriptionsOfSource: readonly Subscription[]): Route => {
  const covering = subscriptionsOfSource.filter((subscription) => covers(subscription, meta));
  const covered = new Set(covering.map((subscription) => subscription.destinationId));
  if (meta.destinations !== undefined) {
    return {
      destinationIds: meta.destinations.filter((id) => covered.has(id)),
      uncovered: meta.destinations.filter((id) => !covered.has(id)),
    };
  }
  return { destinationIds: [...covered], uncovered: [] };
};

/** True when two routes send a message to the same destinations in the same order, refusing the same names. */
export const sameRoute = (a: Route, b: Route): boolean =>
  sameIds(a.destinationIds, b.destinationIds) && sameIds(a.uncovered, b.uncovered);

const sameIds = (a: readonly string[], b: readonly string[]) =>
  a.length === b.length && a.every((id, index) => id === b[index]);
