/**
 * `conveyor sources …`: the integrators' senders. `create` and `rotate-key` print the API key the
 * API returns once (that is what they are for); nothing else ever prints a key.
 */
import type { Command } from 'commander';
import type { ContextFor } from '../context';
import { pathOf } from '../http-client';
import { integerIn, nonEmpty } from '../options';
import { readList } from '../paging';
import { type Column, renderFields, renderTable } from '../table';
import { noteMore, pageOptions, withPaging } from './list-options';

interface SourceItem {
  id: string;
  organizationId?: string;
  name?: string;
  createdAt?: string;
}

const SOURCE_COLUMNS: Column<SourceItem>[] = [
  { header: 'ID', value: (row) => row.id },
  { header: 'ORGANIZATION', value: (row) => row.organizationId },
  { header: 'NAME', value: (row) => row.name, maxWidth: 40 },
  { header: 'CREATED AT', value: (row) => row.createdAt },
];

const KEY_NOTE = 'The API key is shown only now: hand it to the integrator over a secure channel.';

/** Adds `sources list|create|delete|rotate-key` to `program`. */
export const registerSources = (program: Command, contextFor: ContextFor): void => {
  const sources = program.command('sources').description('list, create, delete sources and rotate their keys');

  withPaging(
    sources
      .command('list')
      .description('list an organization’s sources (never their keys)')
      .requiredOption('--organization <id>', 'organization id (org_…)'),
  ).action(async (options, command: Command) => {
    const context = contextFor(command);
    const page = await readList<SourceItem>(
      context.client,
      { path: pathOf('v1', 'admin', 'organizations', options.organization, 'sources'), as: 'admin' },
      pageOptions(options),
    );
    context.output.result(page, () => renderTable(SOURCE_COLUMNS, page.items));
    noteMore(context, page);
  });

  sources
    .command('create')
    .description('create a source; prints its API key once')
    .requiredOption('--organization <id>', 'organization id (org_…)')
    .requiredOption('--name <name>', 'its name', nonEmpty)
    .action(async (options, command: Command) => {
      const context = contextFor(command);
      const created = await context.client.send<Record<string, unknown>>({
        method: 'POST',
        path: pathOf('v1', 'admin', 'organizations', options.organization, 'sources'),
        body: { name: options.name },
        as: 'admin',
      });
      context.output.result(created, () => renderFields(created));
      context.output.note(KEY_NOTE);
    });

  sources
    .command('delete')
    .description('delete a source: its keys stop working at once, its subscriptions are removed')
    .argument('<id>', 'source id (src_…)')
    .action(async (id: string, _options, command: Command) => {
      const context = contextFor(command);
      const answer = await context.client.send({
        method: 'DELETE',
        path: pathOf('v1', 'admin', 'sources', id),
        as: 'admin',
      });
      context.output.result(answer, () => `Deleted ${id}.`);
    });

  sources
    .command('rotate-key')
    .description('issue a new API key; the old one keeps working for the grace period (default a day)')
    .argument('<id>', 'source id (src_…)')
    .option('--grace-seconds <s>', 'how long the old key keeps working, in seconds', integerIn(0))
    .action(async (id: string, options, command: Command) => {
      const context = contextFor(command);
      const rotated = await context.client.send<Record<string, unknown>>({
        method: 'POST',
        path: pathOf('v1', 'admin', 'sources', id, 'keys'),
        body: options.graceSeconds === undefined ? undefined : { graceSeconds: options.graceSeconds },
        as: 'admin',
      });
      context.output.result(rotated, () => renderFields(rotated));
      context.output.note(KEY_NOTE);
    });
};
