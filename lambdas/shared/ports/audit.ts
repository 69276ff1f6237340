/** The audit trail port: every admin write appends an entry; operators list them by time or target. */
import type { AuditEntry } from '../domain/audit';
import type { Page, PageRequest } from './pages';

/** Which entries: `at` in `[since, until)` (ISO 8601, UTC, as `toISOString` writes it), of one `target` when given. */
export interface AuditFilter {
  readonly since: string;
  readonly until: string;
  readonly target?: string;
}

/** Where audit entries are kept (400 days, `AUDIT_RETENTION_DAYS`). */
export interface AuditTrail {
  /** Stores one entry. Throws whatever the store raised (the caller logs the entry instead, see `lambdas/admin/audited.ts`). */
  append(entry: AuditEntry): Promise<void>;
  /** The entries matching `filter`, newest first. */
  list(filter: AuditFilter, page: PageRequest): Promise<Page<AuditEntry>>;
}
