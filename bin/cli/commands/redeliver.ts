/**
 * `conveyor redeliver`: send a time range of a destination's deliveries again, in order
 * (`POST /v1/admin/destinations/{id}/redeliver`).
 */
import { type Command, Option } from 'commander';
import type { ContextFor } from '../context';
import { pathOf } from '../http-client';
import { nonEmpty, pointInTime } from '../options';

/** Adds `redeliver` to `program`; `now` turns relative times (`2d`) into ISO-8601. */
export const registerRedeliver = (program: Command, contextFor: ContextFor, now: () => Date): void => {
  program
    .command('redeliver')
    .description(
      'enqueue again, in arrival order, everything a destination received in [since, until) ' +
        '(same webhook-id, new sequence numbers; within the payload retention, 7 days by default)',
    )
    .requiredOption('--destination <id>', 'destination id (dst_…)')
    .addOption(
      new Option('--since <time>', 'from this time: ISO-8601 (2026-11-24T14:00:00Z) or before now (2d, 6h, 30m)')
        .argParser(pointInTime(now))
        .makeOptionMandatory(),
    )
    .addOption(
      new Option('--until <time>', 'up to (not including) this time, in the same forms')
        .argParser(pointInTime(now))
        .makeOptionMandatory(),
    )
    .option('--reason <text>', 'why, for the audit trail (at most 500 characters)', nonEmpty)
    .action(async (options, command: Command) => {
      const context = contextFor(command);
      const answer = await context.client.send<{ count: number }>({
        method: 'POST',
        path: pathOf('v1', 'admin', 'destinations', options.destination, 'redeliver'),
        body: {
          since: options.since,
          until: options.until,
          ...(options.reason === undefined ? {} : { reason: options.reason }),
        },
        as: 'admin',
      });
      context.output.result(answer, () =>
        answer.count === 0
          ? `Nothing arrived at ${options.destination} in that range; nothing was enqueued.`
          : `${answer.count} ${answer.count === 1 ? 'transmission' : 'transmissions'} enqueued again for ${options.destination}, in their original order.\n` +
            `Follow them with: conveyor destinations transmissions ${options.destination}`,
      );
    });
};
