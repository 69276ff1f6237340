/** `conveyor organizations …`: the tenants, each with the address its pause alerts go to. */
import type { Command } from 'commander';
import type { ContextFor } from '../context';
import { UsageError } from '../errors';
import { pathOf } from '../http-client';
import { nonEmpty } from '../options';
import { readList } from '../paging';
import { type Column, renderFields, renderTable } from '../table';
import { noteMore, pageOptions, withPaging } from './list-options';

interface OrganizationItem {
  id: string;
  name?: string;
  alertEmail?: string;
}

const ORGANIZATION_COLUMNS: Column<OrganizationItem>[] = [
  { header: 'ID', value: (row) => row.id },
  { header: 'NAME', value: (row) => row.name, maxWidth: 40 },
  { header: 'ALERT EMAIL', value: (row) => row.alertEmail },
];

const organizationPath = (id?: string) =>
  id === undefined ? pathOf('v1', 'admin', 'organizations') : pathOf('v1', 'admin', 'organizations', id);

/** Adds `organizations list|show|create|update` to `program`. */
export const registerOrganizations = (program: Command, contextFor: ContextFor): void => {
  const organizations = program.command('organizations').description('list, inspect, create and change organizations');

  withPaging(organizations.command('list').description('list organizations')).action(
    async (options, command: Command) => {
      const context = contextFor(command);
      const page = await readList<OrganizationItem>(
        context.client,
        { path: organizationPath(), as: 'admin' },
        pageOptions(options),
      );
      context.output.result(page, () => renderTable(ORGANIZATION_COLUMNS, page.items));
      noteMore(context, page);
    },
  );

  organizations
    .command('show')
    .description('show an organization')
    .argument('<id>', 'organization id (org_…)')
    .action(async (id: string, _options, command: Command) => {
      const context = contextFor(command);
      const organization = await context.client.send<Record<string, unknown>>({
        method: 'GET',
        path: organizationPath(id),
        as: 'admin',
      });
      context.output.result(organization, () => renderFields(organization));
    });

  organizations
    .command('create')
    .description('create an organization')
    .requiredOption('--name <name>', 'its name', nonEmpty)
    .requiredOption('--alert-email <address>', 'where its pause alerts go')
    .action(async (options, command: Command) => {
      const context = contextFor(command);
      const created = await context.client.send<Record<string, unknown>>({
        method: 'POST',
        path: organizationPath(),
        body: { name: options.name, alertEmail: options.alertEmail },
        as: 'admin',
      });
      context.output.result(created, () => renderFields(created));
    });

  organizations
    .command('update')
    .description('change an organization’s name or alert address')
    .argument('<id>', 'organization id (org_…)')
    .option('--name <name>', 'a new name', nonEmpty)
    .option('--alert-email <address>', 'a new alert address')
    .action(async (id: string, options, command: Command) => {
      if (options.name === undefined && options.alertEmail === undefined) {
        throw new UsageError('Nothing to change: give --name, --alert-email or both.');
      }
      const context = contextFor(command);
      const updated = await context.client.send<Record<string, unknown>>({
        method: 'PATCH',
        path: organizationPath(id),
        body: { name: options.name, alertEmail: options.alertEmail },
        as: 'admin',
      });
      context.output.result(updated, () => renderFields(updated));
    });
};
