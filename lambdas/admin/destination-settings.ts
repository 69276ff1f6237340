/** The admin API's listing of destinations and the change of their settings. */
import {
  certificateChangeOf,
  certificateSummaries,
  withoutCertificateFields,
} from '../shared/domain/client-certificates';
import { invalidRequest, notFound, settingsConflict, urlChangeWhilePaused } from '../shared/domain/errors';
import { checkDestinationUrl } from '../shared/domain/destination-url';
import type { Destination, ProvisionedDestination } from '../shared/domain/model';
import { destinationUpdateSchema, parseRequest } from '../shared/domain/schemas';
import type { DestinationChange } from '../shared/ports/directory';
import { type AdminPorts, describeDestination, requireDestination, requireOrganization } from './directory-admin';
import { pageAnswer, type Query, readListingQuery } from './paging';

const showDestination = (destination: Destination) => ({
  id: destination.id,
  organizationId: destination.organizationId,
  name: destination.name,
  url: destination.url,
  ...(destination.maxPerSecond === undefined ? {} : { maxPerSecond: destination.maxPerSecond }),
  ...certificateSummaries(destination),
  status: destination.status,
  ...(destination.pause ? { pausedAt: destination.pause.pausedAt, pauseReason: destination.pause.reason } : {}),
});

/**
 * `GET /v1/admin/destinations?organizationId=&status=active|paused|unverified&limit=&cursor=`: provisioned
 * destinations (never one being provisioned), by organization then id; with `status=paused`
 * oldest pause first. 400 naming `status` for another value, 404 for an unknown organization.
 */
export const listDestinations = async (query: Query, ports: AdminPorts) => {
  const request = readListingQuery('destinations', query, ['organizationId', 'status']);
  const { organizationId, status } = request.filters;
  if (status !== undefined && status !== 'active' && status !== 'paused' && status !== 'unverified') {
    throw invalidRequest('status must be active, paused or unverified.');
  }
  if (organizationId !== undefined) await requireOrganization(organizationId, ports.directory);
  const page = await ports.catalog.listDestinations(
    { ...(organizationId ? { organizationId } : {}), ...(status ? { status } : {}) },
    request.page,
  );
  return pageAnswer('destinations', request, page, showDestination);
};

/**
 * `PATCH /v1/admin/destinations/{id}` `{name?, url?, timeoutMs?, inlineRetries?, maxPerSecond?,
 * clientCertificate?, clientKey?, caBundle?, clientCertificateOverlapSeconds?}` → the destination as
 * `GET` shows it.
 *
 * 1. Find the destination (404 unless provisioned).
 * 2. Validate the body as a creation's fields (400 naming the field; an empty body or an unknown
 *    field is refused), and a new URL against the deployment's URL policy (400). A new client
 *    certificate replaces the current one, which is kept for its overlap (`certificateChangeOf`:
 *    read from the destination found in step 1, so two rotations at once may keep either).
 * 3. Set only those fields, on condition that it is still provisioned: a pause, resume or lease
 *    written meanwhile stands. Delivery reads the destination's item at each batch and the prober
 *    under the head lease at each probe, so the change applies from the next attempt, the next
 *    probe of a paused head included (an attempt under way, and its inline retries, keep the
 *    settings it started with).
 * 4. A destination created with verification whose URL changes becomes `unverified` in the same
 *    write (see `changeUrlUnverified`).
 */
export const updateDestination = async (destinationId: string, readBody: () => unknown, ports: AdminPorts) => {
  const current = await requireDestination(destinationId, ports.directory);
  const request = parseRequest(destinationUpdateSchema, readBody());
  const change: DestinationChange = {
    ...withoutCertificateFields(request),
    ...(request.url === undefined ? {} : { url: (await checkDestinationUrl(request.url, ports.urlPolicy)).href }),
    ...certificateChangeOf(request, current, ports.clock()),
  };
  if (current.verify && change.url !== undefined && change.url !== current.url) {
    await changeUrlUnverified(current, change, ports);
  } else if (!(await ports.catalog.updateDestination(destinationId, change)))
    throw notFound('destination', destinationId);
  // Field names only: never the values (a certificate's key among them).
  ports.log.info('Destination updated', { destinationId, fields: Object.keys(change) });
  return describeDestination(destinationId, ports);
};

/** Conditional writes refused because the status changed meanwhile (a pause, a verification): read again, this often. */
const STATUS_RACES = 3;

/**
 * A new URL for a destination created with verification: the endpoint behind it has not echoed a
 * challenge, so the change and the status `unverified` (its mapping to be disabled) are one write,
 * from the status read (an active destination delivers nothing to the new URL). A paused one is
 * refused (409 `destination_paused`: its pause, head and spill are not handed over to
 * verification; resume or skip it first). Its own earlier write (the answer lost) counts as done.
 * A status that keeps changing under the write (`STATUS_RACES` reads) is 409 `settings_conflict`.
 */
const changeUrlUnverified = async (
  destination: ProvisionedDestination,
  change: DestinationChange,
  ports: AdminPorts,
) => {
  let current = destination;
  for (let race = 1; ; race++) {
    if (current.status === 'paused') throw urlChangeWhilePaused();
    if (await ports.verifications.changeSettingsUnverified(current.id, change, current.status)) break;
    current = await requireDestination(current.id, ports.directory);
    if (current.status === 'unverified' && current.url === change.url) break;
    if (race === STATUS_RACES) throw settingsConflict();
  }
  ports.log.info('Destination URL changed: unverified until its endpoint echoes the challenge', {
    destinationId: destination.id,
  });
};
