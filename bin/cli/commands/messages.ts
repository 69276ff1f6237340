/**
 * `conveyor messages show`: a message and its transmissions. The route is the integrator's
 * (`GET /v1/messages/{id}`), readable only by the sending source's organization, so it takes
 * that source's API key rather than admin credentials, on AWS as locally.
 */
import type { Command } from 'commander';
import { CLI_ENV } from '../environment';
import type { ContextFor } from '../context';
import { resolveApiKey } from '../credentials';
import { pathOf } from '../http-client';
import { type Column, renderFields, renderTable } from '../table';

interface TransmissionItem {
  id?: string;
  destinationId?: string;
  status?: string;
  attempts?: number;
  sequence?: number;
  arrivedAt?: string;
  lastError?: string;
}

const TRANSMISSION_COLUMNS: Column<TransmissionItem>[] = [
  { header: 'TRANSMISSION', value: (row) => row.id },
  { header: 'DESTINATION', value: (row) => row.destinationId },
  { header: 'STATUS', value: (row) => row.status },
  { header: 'ATTEMPTS', value: (row) => row.attempts },
  { header: 'SEQUENCE', value: (row) => row.sequence },
  { header: 'ARRIVED AT', value: (row) => row.arrivedAt },
  { header: 'LAST ERROR', value: (row) => row.lastError, maxWidth: 48 },
];

/** Adds `messages show` (as the sending source, with its API key) to `program`. */
export const registerMessages = (program: Command, contextFor: ContextFor): void => {
  const messages = program.command('messages').description('look up messages (as their sending source)');

  messages
    .command('show')
    .description('show a message’s status and its transmissions')
    .argument('<id>', 'message id (msg_…)')
    .option(
      '--api-key <key>',
      `the sending source's API key (default: $${CLI_ENV.CONVEYOR_API_KEY}, better: a command line shows in ps)`,
    )
    .action(async (id: string, options, command: Command) => {
      const context = contextFor(command);
      const apiKey = resolveApiKey(options.apiKey, context.env);
      const message = await context.client.send<Record<string, unknown>>({
        method: 'GET',
        path: pathOf('v1', 'messages', id),
        as: { apiKey },
      });
      const transmissions = Array.isArray(message.transmissions) ? (message.transmissions as TransmissionItem[]) : [];
      context.output.result(message, () =>
        [renderFields(message, ['transmissions']), '', renderTable(TRANSMISSION_COLUMNS, transmissions)].join('\n'),
      );
    });
};
