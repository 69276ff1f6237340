/** `conveyor subscriptions …`: which source may reach which destination, for which data model. */
import type { Command } from 'commander';
import type { ContextFor } from '../context';
import { pathOf } from '../http-client';
import { nonEmpty } from '../options';
import { readList } from '../paging';
import { type Column, renderFields, renderTable } from '../table';
import { noteMore, pageOptions, withPaging } from './list-options';

interface SubscriptionItem {
  id: string;
  sourceId?: string;
  destinationId?: string;
  dataModel?: string;
  eventType?: string;
}

const SUBSCRIPTION_COLUMNS: Column<SubscriptionItem>[] = [
  { header: 'ID', value: (row) => row.id },
  { header: 'SOURCE', value: (row) => row.sourceId },
  { header: 'DESTINATION', value: (row) => row.destinationId },
  { header: 'DATA MODEL', value: (row) => row.dataModel },
  { header: 'EVENT TYPE', value: (row) => row.eventType },
];

/** Adds `subscriptions list|create|delete` to `program`. */
export const registerSubscriptions = (program: Command, contextFor: ContextFor): void => {
  const subscriptions = program.command('subscriptions').description('list, create and delete subscriptions');

  withPaging(
    subscriptions
      .command('list')
      .description('list subscriptions, by source, destination or both')
      .option('--source <id>', 'only this source’s (src_…)')
      .option('--destination <id>', 'only those to this destination (dst_…)'),
  ).action(async (options, command: Command) => {
    const context = contextFor(command);
    const page = await readList<SubscriptionItem>(
      context.client,
      {
        path: pathOf('v1', 'admin', 'subscriptions'),
        query: { sourceId: options.source, destinationId: options.destination },
        as: 'admin',
      },
      pageOptions(options),
    );
    context.output.result(page, () => renderTable(SUBSCRIPTION_COLUMNS, page.items));
    noteMore(context, page);
  });

  subscriptions
    .command('create')
    .description('let a source reach a destination for a data model (and event type)')
    .requiredOption('--source <id>', 'source id (src_…)')
    .requiredOption('--destination <id>', 'destination id (dst_…)')
    .requiredOption('--data-model <name>', 'the meta.dataModel it covers', nonEmpty)
    .option('--event-type <name>', 'only this meta.eventType (default: every event type)', nonEmpty)
    .action(async (options, command: Command) => {
      const context = contextFor(command);
      const created = await context.client.send<Record<string, unknown>>({
        method: 'POST',
        path: pathOf('v1', 'admin', 'subscriptions'),
        body: {
          sourceId: options.source,
          destinationId: options.destination,
          dataModel: options.dataModel,
          eventType: options.eventType,
        },
        as: 'admin',
      });
      context.output.result(created, () => renderFields(created));
    });

  subscriptions
    .command('delete')
    .description('delete a subscription')
    .argument('<id>', 'subscription id (sub_…)')
    .action(async (id: string, _options, command: Command) => {
      const context = contextFor(command);
      const answer = await context.client.send({
        method: 'DELETE',
        path: pathOf('v1', 'admin', 'subscriptions', id),
        as: 'admin',
      });
      context.output.result(answer, () => `Deleted ${id}.`);
    });
};
