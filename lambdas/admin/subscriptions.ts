/** The admin API's listing and deletion of subscriptions (creation: `directory-admin.ts`). */
import { invalidRequest, notFound } from '../shared/domain/errors';
import { type IdKind, isId } from '../shared/domain/ids';
import type { Subscription } from '../shared/domain/model';
import type { AdminPorts } from './directory-admin';
import { pageAnswer, type Query, readListingQuery } from './paging';

const showSubscription = ({ id, sourceId, destinationId, dataModel, eventType, createdAt }: Subscription) => ({
  id,
  sourceId,
  destinationId,
  dataModel,
  ...(eventType === undefined ? {} : { eventType }),
  createdAt,
});

/** A filter naming an id: 400 naming the parameter when it is not an id of that kind. */
export const idFilter = (name: string, kind: IdKind, value: string | undefined): string | undefined => {
  if (value !== undefined && !isId(kind, value)) throw invalidRequest(`${name} must be a ${kind} id.`);
  return value;
};

/**
 * `GET /v1/admin/subscriptions?sourceId=&destinationId=&limit=&cursor=`: in id order, of one
 * source and/or one destination when given (an unknown id lists nothing).
 */
export const listSubscriptions = async (query: Query, ports: AdminPorts) => {
  const request = readListingQuery('subscriptions', query, ['sourceId', 'destinationId']);
  const sourceId = idFilter('sourceId', 'source', request.filters.sourceId);
  const destinationId = idFilter('destinationId', 'destination', request.filters.destinationId);
  const page = await ports.catalog.listSubscriptions(
    { ...(sourceId ? { sourceId } : {}), ...(destinationId ? { destinationId } : {}) },
    request.page,
  );
  return pageAnswer('subscriptions', request, page, showSubscription);
};

/** `DELETE /v1/admin/subscriptions/{id}` → 204; routing stops using it at once. 404 `subscription_not_found` otherwise. */
export const deleteSubscription = async (subscriptionId: string, ports: AdminPorts): Promise<{ id: string }> => {
  if (!isId('subscription', subscriptionId) || !(await ports.catalog.deleteSubscription(subscriptionId))) {
    throw notFound('subscription', subscriptionId);
  }
  ports.log.info('Subscription deleted', { subscriptionId });
  return { id: subscriptionId };
};
