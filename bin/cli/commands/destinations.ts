/**
 * `conveyor destinations …`: find, inspect, change, pause-handle and remove destinations
 * (the contract's `/v1/admin/destinations*` and `/v1/admin/organizations/{orgId}/destinations`).
 */
import { type Command, Option } from 'commander';
import type { ContextFor } from '../context';
import { UsageError } from '../errors';
import { pathOf } from '../http-client';
import { integerIn, nonEmpty } from '../options';
import { pemFile } from '../pem-file';
import { readList } from '../paging';
import { type Column, renderFields, renderTable } from '../table';
import { noteMore, pageOptions, withPaging } from './list-options';

interface DestinationItem {
  id: string;
  organizationId?: string;
  name?: string;
  url?: string;
  status?: string;
  pausedAt?: string;
  pauseReason?: string;
}

interface DeliveredItem {
  id: string;
  messageId?: string;
  sequence?: number;
  arrivedAt?: string;
  attempts?: number;
}

const DESTINATION_COLUMNS: Column<DestinationItem>[] = [
  { header: 'ID', value: (row) => row.id },
  { header: 'ORGANIZATION', value: (row) => row.organizationId },
  { header: 'NAME', value: (row) => row.name, maxWidth: 32 },
  { header: 'STATUS', value: (row) => row.status },
  { header: 'PAUSED AT', value: (row) => row.pausedAt },
  { header: 'PAUSE REASON', value: (row) => row.pauseReason, maxWidth: 48 },
  { header: 'URL', value: (row) => row.url, maxWidth: 60 },
];

const DELIVERED_COLUMNS: Column<DeliveredItem>[] = [
  { header: 'SEQUENCE', value: (row) => row.sequence },
  { header: 'TRANSMISSION', value: (row) => row.id },
  { header: 'MESSAGE', value: (row) => row.messageId },
  { header: 'ARRIVED AT', value: (row) => row.arrivedAt },
  { header: 'ATTEMPTS', value: (row) => row.attempts },
];

const destinationPath = (id: string, ...rest: string[]) => pathOf('v1', 'admin', 'destinations', id, ...rest);

/** Adds `destinations list|show|create|update|delete|verify|resume|skip|transmissions` to `program`. */
export const registerDestinations = (program: Command, contextFor: ContextFor): void => {
  const destinations = program.command('destinations').description('find, inspect, change and unblock destinations');

  withPaging(
    destinations
      .command('list')
      .description('list destinations; with --status paused, the oldest pause first')
      .option('--organization <id>', 'only this organization’s destinations')
      .addOption(
        new Option('--status <status>', 'only destinations in this status').choices(['active', 'paused', 'unverified']),
      ),
  ).action(async (options, command: Command) => {
    const context = contextFor(command);
    const page = await readList<DestinationItem>(
      context.client,
      {
        path: pathOf('v1', 'admin', 'destinations'),
        query: { organizationId: options.organization, status: options.status },
        as: 'admin',
      },
      pageOptions(options),
    );
    context.output.result(page, () => renderTable(DESTINATION_COLUMNS, page.items));
    noteMore(context, page);
  });

  destinations
    .command('show')
    .description('show a destination: its status, pause, head and queue depth')
    .argument('<id>', 'destination id (dst_…)')
    .action(async (id: string, _options, command: Command) => {
      const context = contextFor(command);
      const destination = await context.client.send<Record<string, unknown>>({
        method: 'GET',
        path: destinationPath(id),
        as: 'admin',
      });
      context.output.result(destination, () => renderFields(destination));
    });

  destinations
    .command('create')
    .description('register a destination (answers once its queue exists); prints its signing secret once')
    .requiredOption('--organization <id>', 'the organization that owns it (org_…)')
    .requiredOption('--name <name>', 'a name people recognise', nonEmpty)
    .requiredOption('--url <url>', 'where messages are POSTed (https; http to loopback only in local mode)')
    .option('--timeout-ms <ms>', 'how long an attempt waits for the answer, in milliseconds', integerIn(1))
    .option('--inline-retries <n>', 'retries in place before the destination pauses', integerIn(0))
    .option('--verify', 'require endpoint verification: nothing is delivered until the endpoint echoes a challenge')
    .option('--no-verify', 'no endpoint verification, whatever the deployment’s default')
    .option('--client-certificate <file>', 'mTLS: a PEM certificate chain to present (with --client-key)', pemFile)
    .option('--client-key <file>', 'mTLS: the certificate’s unencrypted PEM private key', pemFile)
    .option('--ca-bundle <file>', 'PEM CA certificates that alone decide whether the endpoint is trusted', pemFile)
    .action(async (options, command: Command) => {
      const context = contextFor(command);
      const created = await context.client.send<Record<string, unknown>>({
        method: 'POST',
        path: pathOf('v1', 'admin', 'organizations', options.organization, 'destinations'),
        body: {
          name: options.name,
          url: options.url,
          timeoutMs: options.timeoutMs,
          inlineRetries: options.inlineRetries,
          verify: options.verify,
          clientCertificate: options.clientCertificate,
          clientKey: options.clientKey,
          caBundle: options.caBundle,
        },
        as: 'admin',
      });
      context.output.result(created, () => renderFields(created));
      context.output.note('The signing secret is shown only now: give it to the receiver to verify webhook-signature.');
    });

  destinations
    .command('update')
    .description('change a destination; applies from the next attempt, a paused head’s next probe included')
    .argument('<id>', 'destination id (dst_…)')
    .option('--name <name>', 'a new name', nonEmpty)
    .option('--url <url>', 'a new URL, validated as at creation')
    .option('--timeout-ms <ms>', 'a new attempt timeout, in milliseconds', integerIn(1))
    .option('--inline-retries <n>', 'a new number of retries in place', integerIn(0))
    .option('--client-certificate <file>', 'mTLS: a new PEM certificate chain (with --client-key)', pemFile)
    .option('--client-key <file>', 'mTLS: the new certificate’s unencrypted PEM private key', pemFile)
    .option(
      '--client-certificate-overlap-seconds <s>',
      'how long the replaced certificate is still presented when the endpoint refuses the new one (default a week)',
      integerIn(0),
    )
    .addOption(
      new Option('--remove-client-certificate', 'stop presenting any client certificate').conflicts([
        'clientCertificate',
        'clientKey',
      ]),
    )
    .option('--ca-bundle <file>', 'new PEM CA certificates to trust for the endpoint', pemFile)
    .addOption(new Option('--remove-ca-bundle', 'trust the public roots again').conflicts('caBundle'))
    .action(async (id: string, options, command: Command) => {
      const body = {
        name: options.name,
        url: options.url,
        timeoutMs: options.timeoutMs,
        inlineRetries: options.inlineRetries,
        clientCertificate: options.removeClientCertificate ? null : options.clientCertificate,
        clientKey: options.clientKey,
        clientCertificateOverlapSeconds: options.clientCertificateOverlapSeconds,
        caBundle: options.removeCaBundle ? null : options.caBundle,
      };
      if (Object.values(body).every((value) => value === undefined)) {
        throw new UsageError('Nothing to change: give at least one of --name, --url, --timeout-ms, --inline-retries.');
      }
      const context = contextFor(command);
      const updated = await context.client.send<Record<string, unknown>>({
        method: 'PATCH',
        path: destinationPath(id),
        body,
        as: 'admin',
      });
      context.output.result(updated, () => renderFields(updated));
    });

  destinations
    .command('delete')
    .description('delete a destination, its queue and mapping; refused while entries wait unless --force')
    .argument('<id>', 'destination id (dst_…)')
    .option('--force', 'delete even with entries waiting: each becomes "cancelled"')
    .action(async (id: string, options, command: Command) => {
      const context = contextFor(command);
      const answer = await context.client.send({
        method: 'DELETE',
        path: destinationPath(id),
        query: { force: options.force === true ? 'true' : undefined },
        as: 'admin',
      });
      context.output.result(answer, () => `Deleted ${id}.`);
    });

  destinations
    .command('verify')
    .description('send an unverified destination’s endpoint the challenge now; active once it echoes it')
    .argument('<id>', 'destination id (dst_…)')
    .action(async (id: string, _options, command: Command) => {
      const context = contextFor(command);
      const destination = await context.client.send<Record<string, unknown>>({
        method: 'POST',
        path: destinationPath(id, 'verify'),
        as: 'admin',
      });
      context.output.result(destination, () => renderFields(destination));
    });

  destinations
    .command('resume')
    .description('retry a paused destination’s head now (it stays paused if that fails); no-op when active')
    .argument('<id>', 'destination id (dst_…)')
    .action(async (id: string, _options, command: Command) => {
      const context = contextFor(command);
      const destination = await context.client.send<Record<string, unknown>>({
        method: 'POST',
        path: destinationPath(id, 'resume'),
        as: 'admin',
      });
      context.output.result(destination, () => renderFields(destination));
    });

  destinations
    .command('skip')
    .description('park a paused destination’s head (kept, replayable) and resume with the next message')
    .argument('<id>', 'destination id (dst_…)')
    .option('--reason <text>', 'why, for the audit trail (at most 500 characters)', nonEmpty)
    .action(async (id: string, options, command: Command) => {
      const context = contextFor(command);
      const skipped = await context.client.send<{ skippedTransmissionId: string }>({
        method: 'POST',
        path: destinationPath(id, 'skip'),
        body: options.reason === undefined ? undefined : { reason: options.reason },
        as: 'admin',
      });
      context.output.result(
        skipped,
        () =>
          `Skipped ${skipped.skippedTransmissionId} and resumed ${id}.\n` +
          `Replay it later with: conveyor transmissions replay ${skipped.skippedTransmissionId}`,
      );
    });

  withPaging(
    destinations
      .command('transmissions')
      .description('list what a destination received, in delivery order')
      .argument('<id>', 'destination id (dst_…)'),
  ).action(async (id: string, options, command: Command) => {
    const context = contextFor(command);
    const page = await readList<DeliveredItem>(
      context.client,
      { path: destinationPath(id, 'transmissions'), as: 'admin' },
      pageOptions(options),
    );
    context.output.result(page, () => renderTable(DELIVERED_COLUMNS, page.items));
    noteMore(context, page);
  });
};
