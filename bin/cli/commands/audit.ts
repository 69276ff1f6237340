/** `conveyor audit`: who did what — every admin write, newest first (`GET /v1/admin/audit`). */
import { type Command, Option } from 'commander';
import type { ContextFor } from '../context';
import { pathOf } from '../http-client';
import { pointInTime } from '../options';
import { readList } from '../paging';
import { type Column, renderTable } from '../table';
import { noteMore, pageOptions, withPaging } from './list-options';

interface AuditItem {
  at?: string;
  actor?: string;
  action?: string;
  target?: string;
  reason?: string;
}

const AUDIT_COLUMNS: Column<AuditItem>[] = [
  { header: 'AT', value: (row) => row.at },
  // An IAM principal ARN on AWS: long, and its end (the role session) says who.
  { header: 'ACTOR', value: (row) => row.actor, maxWidth: 64 },
  { header: 'ACTION', value: (row) => row.action },
  { header: 'TARGET', value: (row) => row.target },
  { header: 'REASON', value: (row) => row.reason, maxWidth: 60 },
];

/** Adds `audit` to `program`; `now` turns relative times (`7d`) into ISO-8601. */
export const registerAudit = (program: Command, contextFor: ContextFor, now: () => Date): void => {
  withPaging(
    program
      .command('audit')
      .description(
        'list admin writes (create, change, delete, key rotation, resume, skip, replay, redeliver), newest first',
      )
      .addOption(
        new Option(
          '--since <time>',
          'from this time: ISO-8601 (2026-11-23T09:00:00Z) or before now (7d, 24h, 30m)',
        ).argParser(pointInTime(now)),
      )
      .addOption(new Option('--until <time>', 'before this time, in the same forms').argParser(pointInTime(now)))
      .option('--target <id>', 'only writes to this object (dst_…, src_…, trn_…, …)'),
  ).action(async (options, command: Command) => {
    const context = contextFor(command);
    const page = await readList<AuditItem>(
      context.client,
      {
        path: pathOf('v1', 'admin', 'audit'),
        query: { since: options.since, until: options.until, target: options.target },
        as: 'admin',
      },
      pageOptions(options),
    );
    context.output.result(page, () => renderTable(AUDIT_COLUMNS, page.items));
    noteMore(context, page);
  });
};
