/** The admin API's listing and deletion of sources (creation and key rotation: `directory-admin.ts`). */
import { notFound } from '../shared/domain/errors';
import { isId } from '../shared/domain/ids';
import type { Source } from '../shared/domain/model';
import { type AdminPorts, requireOrganization } from './directory-admin';
import { pageAnswer, type Query, readListingQuery } from './paging';

/** A source as the admin API lists it: never an API key or its hash. */
const showSource = ({ id, organizationId, name, createdAt }: Source) => ({ id, organizationId, name, createdAt });

/** `GET /v1/admin/organizations/{orgId}/sources?limit=&cursor=`: in id order. */
export const listSources = async (organizationId: string, query: Query, ports: AdminPorts) => {
  await requireOrganization(organizationId, ports.directory);
  const request = readListingQuery('sources', query, []);
  return pageAnswer('sources', request, await ports.catalog.listSources(organizationId, request.page), showSource);
};

/**
 * `DELETE /v1/admin/sources/{sourceId}` → 204: its subscriptions are removed, and its API keys
 * (current and in their grace period) are refused with 401 from the answer on (ingest reads a
 * key's record on every request and commits nothing that read does not confirm, even when a warm
 * function went on with the key from memory; see `CachedDirectory`). 404 `source_not_found` otherwise.
 */
export const deleteSource = async (sourceId: string, ports: AdminPorts): Promise<{ id: string }> => {
  if (!isId('source', sourceId) || !(await ports.catalog.deleteSource(sourceId))) throw notFound('source', sourceId);
  ports.log.info('Source deleted', { sourceId });
  return { id: sourceId };
};
