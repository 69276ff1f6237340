/** The admin API's reads and changes of organizations (creation: `directory-admin.ts`). */
import { notFound } from '../shared/domain/errors';
import type { Organization } from '../shared/domain/model';
import { organizationUpdateSchema, parseRequest } from '../shared/domain/schemas';
import { type AdminPorts, requireOrganization } from './directory-admin';
import { pageAnswer, type Query, readListingQuery } from './paging';

/** An organization as the admin API shows it (as its creation answered it). */
const showOrganization = ({ id, name, alertEmail }: Organization) => ({ id, name, alertEmail });

/** `GET /v1/admin/organizations/{orgId}` */
export const getOrganization = async (organizationId: string, ports: AdminPorts) =>
  showOrganization(await requireOrganization(organizationId, ports.directory));

/** `GET /v1/admin/organizations?limit=&cursor=`: in id order (ids are ULIDs: creation order). */
export const listOrganizations = async (query: Query, ports: AdminPorts) => {
  const request = readListingQuery('organizations', query, []);
  return pageAnswer('organizations', request, await ports.catalog.listOrganizations(request.page), showOrganization);
};

/**
 * `PATCH /v1/admin/organizations/{orgId}` `{name?, alertEmail?}`: the organization (404), then the
 * body, validated like a creation's (400 naming the field; an empty body or an unknown field is
 * refused); changes only the fields given.
 */
export const updateOrganization = async (organizationId: string, readBody: () => unknown, ports: AdminPorts) => {
  await requireOrganization(organizationId, ports.directory);
  const change = parseRequest(organizationUpdateSchema, readBody());
  const updated = await ports.catalog.updateOrganization(organizationId, change);
  if (!updated) throw notFound('organization', organizationId);
  ports.log.info('Organization updated', { organizationId, fields: Object.keys(change) });
  return showOrganization(updated);
};
