/** The audit trail in the table: each entry twice, by month and by target, in one transaction. */
import { randomUUID } from 'node:crypto';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { AUDIT_RETENTION_DAYS, type AuditEntry } from '../../domain/audit';
import type { AuditFilter, AuditTrail } from '../../ports/audit';
import type { Page, PageRequest } from '../../ports/pages';
import { auditMonthPartition, auditSortKey, auditTargetPartition } from './keys';
import { queryPage } from './query-page';
import { epochSecondsOf, type Item, strip, type Table, transactWrite } from './table';

const RETENTION_SECONDS = AUDIT_RETENTION_DAYS * 24 * 60 * 60;

/** The months (`yyyy-mm`) from `until`'s down to `since`'s, newest first. */
export const monthsBetween = (since: string, until: string): string[] => {
  const months: string[] = [];
  const last = since.slice(0, 7);
  let year = Number(until.slice(0, 4));
  let month = Number(until.slice(5, 7));
  for (;;) {
    const current = `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}`;
    if (current < last) return months;
    months.push(current);
    month -= 1;
    if (month === 0) {
      month = 12;
      year -= 1;
    }
  }
};

const toEntry = (item: Item): AuditEntry => {
  const { entryId: _entryId, expiresAt: _expiresAt, ...entry } = strip<AuditEntry & Item>(item)!;
  return entry as AuditEntry;
};

/**
 * Each entry is written to two partitions in one transaction, so both listings are one Query
 * each and strongly consistent: `AUDIT#<yyyy-mm>` (all targets, by time: a month's admin writes
 * fit a partition, and a 400-day window spans at most 14 of them) and `AUDIT-TARGET#<id>` (one
 * target, by time). Sort keys are `<at>#<entryId>`: time order, unique. Both copies expire
 * together (`expiresAt`, 400 days after `at`).
 */
export class DynamoAuditTrail implements AuditTrail {
  private readonly table: Table;

  /**
   * @param client the document client (`adapters/clients.ts`: created once per module, with `removeUndefinedValues`)
   * @param tableName Conveyor's one table (its layout: `keys.ts`)
   */
  constructor(client: DynamoDBDocumentClient, tableName: string) {
    this.table = { client, tableName };
  }

  /** Unconditional puts of a fresh id: a retry writes the same two items again. */
  async append(entry: AuditEntry): Promise<void> {
    const { tableName } = this.table;
    const entryId = randomUUID();
    const sk = auditSortKey(entry.at, entryId);
    const item = { ...entry, entryId, expiresAt: epochSecondsOf(entry.at) + RETENTION_SECONDS };
    await transactWrite(this.table, [
      { Put: { TableName: tableName, Item: { pk: auditMonthPartition(entry.at), sk, ...item } } },
      { Put: { TableName: tableName, Item: { pk: auditTargetPartition(entry.target), sk, ...item } } },
    ]);
  }

  /** Newest first; `after` is the sort key of the last entry answered. */
  async list(filter: AuditFilter, page: PageRequest): Promise<Page<AuditEntry>> {
    const between = { from: filter.since, to: filter.until };
    if (filter.target !== undefined) {
      const listed = await queryPage(this.table, {
        pk: auditTargetPartition(filter.target),
        between,
        descending: true,
        ...page,
      });
      return { items: listed.items.map(toEntry), ...(listed.after ? { after: listed.after } : {}) };
    }
    const items: AuditEntry[] = [];
    let after = page.after;
    for (const month of monthsBetween(filter.since, after ?? filter.until)) {
      const listed = await queryPage(this.table, {
        pk: auditMonthPartition(month),
        between,
        descending: true,
        limit: page.limit - items.length,
        ...(after === undefined ? {} : { after }),
      });
      after = undefined;
      items.push(...listed.items.map(toEntry));
      if (items.length >= page.limit) {
        const last = listed.items.at(-1)?.sk;
        return { items, ...(typeof last === 'string' ? { after: last } : {}) };
      }
    }
    return { items };
  }
}
