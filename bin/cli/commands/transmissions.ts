/** `conveyor transmissions …`: one transmission with its attempt log, and the replay of a skipped one. */
import type { Command } from 'commander';
import type { ContextFor } from '../context';
import { pathOf } from '../http-client';
import { type Column, renderFields, renderTable } from '../table';

/** One attempt, as `GET /v1/admin/transmissions/{id}` answers it (newest last). */
interface Attempt {
  at?: string;
  outcome?: string;
  status?: number;
  durationMs?: number;
  responseExcerpt?: string;
}

/** The excerpt is up to 1,024 bytes; a table shows its start, `--json` all of it. */
export const EXCERPT_WIDTH = 60;

const ATTEMPT_COLUMNS: Column<Attempt>[] = [
  { header: 'AT', value: (row) => row.at },
  { header: 'OUTCOME', value: (row) => row.outcome },
  { header: 'STATUS', value: (row) => row.status },
  { header: 'DURATION MS', value: (row) => row.durationMs },
  { header: 'RESPONSE', value: (row) => row.responseExcerpt, maxWidth: EXCERPT_WIDTH },
];

/** The transmission's fields, then its attempt log as a table. */
export const renderTransmission = (transmission: Record<string, unknown>): string => {
  const attempts = Array.isArray(transmission.attemptLog) ? (transmission.attemptLog as Attempt[]) : [];
  return [
    renderFields(transmission, ['attemptLog']),
    '',
    `Attempts (${attempts.length}, newest last; the API keeps the last 50):`,
    renderTable(ATTEMPT_COLUMNS, attempts),
  ].join('\n');
};

/** Adds `transmissions show|replay` to `program`. */
export const registerTransmissions = (program: Command, contextFor: ContextFor): void => {
  const transmissions = program.command('transmissions').description('inspect and replay transmissions');

  transmissions
    .command('show')
    .description('show a transmission and what the endpoint answered on each attempt (--json: whole excerpts)')
    .argument('<id>', 'transmission id (trn_…)')
    .action(async (id: string, _options, command: Command) => {
      const context = contextFor(command);
      const transmission = await context.client.send<Record<string, unknown>>({
        method: 'GET',
        path: pathOf('v1', 'admin', 'transmissions', id),
        as: 'admin',
      });
      context.output.result(transmission, () => renderTransmission(transmission));
    });

  transmissions
    .command('replay')
    .description('send a skipped transmission again, at the tail of its destination (same webhook-id, new sequence)')
    .argument('<id>', 'transmission id (trn_…)')
    .action(async (id: string, _options, command: Command) => {
      const context = contextFor(command);
      const replayed = await context.client.send<Record<string, unknown>>({
        method: 'POST',
        path: pathOf('v1', 'admin', 'transmissions', id, 'replay'),
        as: 'admin',
      });
      context.output.result(replayed, () => renderFields(replayed));
    });
};
