/** `GET /v1/admin/audit`: the audit trail, newest first, by time and target. */
import { AUDIT_RETENTION_DAYS, type AuditEntry } from '../shared/domain/audit';
import { invalidRequest } from '../shared/domain/errors';
import { ISO_8601_TIME } from '../shared/domain/schemas';
import type { AdminPorts } from './directory-admin';
import { pageAnswer, type Query, readListingQuery } from './paging';

/** A time parameter as `toISOString` writes it (how entries store `at`): 400 naming it when malformed. */
const isoTime = (name: string, value: string | undefined): string | undefined => {
  if (value === undefined) return undefined;
  const time = ISO_8601_TIME.test(value) ? Date.parse(value) : Number.NaN;
  if (Number.isNaN(time)) throw invalidRequest(`${name} must be an ISO 8601 time, such as 2026-01-31T09:00:00Z.`);
  return new Date(time).toISOString();
};

const showEntry = ({ at, actor, action, target, reason }: AuditEntry) => ({
  at,
  actor,
  action,
  target,
  ...(reason === undefined ? {} : { reason }),
});

/**
 * `GET /v1/admin/audit?since=&until=&target=&limit=&cursor=`: entries with `at` in `[since,
 * until)` (default: the 400 days kept, up to now), of one `target` id when given, newest first.
 * 400 naming the parameter when a time is malformed, `since` is not before `until`, or `target`
 * is not an id-like token.
 */
export const listAudit = async (query: Query, ports: AdminPorts) => {
  const request = readListingQuery('audit', query, ['since', 'until', 'target'], (position) =>
    /^\d{4}-\d{2}-\d{2}T[\d:.]+Z#[\w-]+$/.test(position),
  );
  const now = ports.clock();
  const kept = new Date(now.getTime() - AUDIT_RETENTION_DAYS * 86_400_000).toISOString();
  const since = isoTime('since', request.filters.since);
  const until = isoTime('until', request.filters.until);
  if (since !== undefined && until !== undefined && since >= until) throw invalidRequest('since must be before until.');
  const { target } = request.filters;
  if (target !== undefined && !/^[\w-]{1,128}$/.test(target)) throw invalidRequest('target must be an id.');
  // Older entries are gone (TTL): the window starts no earlier, which bounds the months read.
  const filter = {
    since: since === undefined || since < kept ? kept : since,
    until: until ?? new Date(now.getTime() + 1).toISOString(),
    ...(target === undefined ? {} : { target }),
  };
  if (filter.since >= filter.until) return { items: [] };
  return pageAnswer('audit', request, await ports.audit.list(filter, request.page), showEntry);
};
