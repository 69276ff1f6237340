/** The `conveyor` command tree: global options, help with the exit codes, and every command group. */
import { Command, Option } from 'commander';
import { type CliSurroundings, contextOf } from './context';
import { DEFAULT_API_URL } from './endpoint';
import { CLI_ENV } from './environment';
import { EXIT } from './errors';
import { registerAudit } from './commands/audit';
import { registerDestinations } from './commands/destinations';
import { registerMessages } from './commands/messages';
import { registerOrganizations } from './commands/organizations';
import { registerRedeliver } from './commands/redeliver';
import { registerSources } from './commands/sources';
import { registerSubscriptions } from './commands/subscriptions';
import { registerTransmissions } from './commands/transmissions';

const FOOTER = `
Authentication:
  Local mode (npm start): Authorization: Bearer <admin token>, from $${CLI_ENV.CONVEYOR_ADMIN_TOKEN},
  else the file <$${CLI_ENV.CONVEYOR_DATA_DIR} or .conveyor>/admin-token that npm start writes.
  AWS (--region, or an https://<id>.execute-api.<region>.amazonaws.com URL): every admin request is
  signed with SigV4 using the default credential chain (AWS_PROFILE, SSO, environment, role).

Exit codes:
  ${EXIT.ok}  done
  ${EXIT.apiError}  the API answered an error; stderr shows "<code>: <message>"
  ${EXIT.usage}  usage error (unknown command or option, bad value, missing option)
  ${EXIT.unreachable}  the API could not be reached, or no admin token / AWS credentials were found
  ${EXIT.internal}  a fault in the CLI itself

Examples:
  conveyor destinations list --status paused
  conveyor destinations update dst_… --url https://new.example.org/hook && conveyor destinations resume dst_…
  conveyor destinations skip dst_… --reason "malformed HL7 from the lab, ticket 4711"
  conveyor transmissions show trn_…
  conveyor redeliver --destination dst_… --since 2026-11-24T14:00:00Z --until 2026-11-24T18:00:00Z --reason "lab restored a backup"
  conveyor audit --since 7d --json
`;

/**
 * The program, configured for `main`: it never exits the process itself (errors are thrown as
 * commander's `CommanderError`), and writes through `surroundings`.
 */
export const createProgram = (surroundings: CliSurroundings): Command => {
  const program = new Command('conveyor')
    .description('Operate a Conveyor deployment: destinations, pauses, transmissions, tenants and the audit trail.')
    .addOption(
      new Option('--api <url>', `the API's base URL (default: $${CLI_ENV.CONVEYOR_API_URL}, else ${DEFAULT_API_URL})`),
    )
    .option('--region <region>', 'sign admin requests with SigV4 for this AWS region (read from an execute-api URL)')
    .option('--json', 'print the API’s JSON answer instead of tables (for scripts)')
    .showHelpAfterError('(add --help for usage)')
    .exitOverride()
    .configureOutput({ writeOut: surroundings.stdout, writeErr: surroundings.stderr })
    .addHelpText('after', FOOTER);
  // Settings above are copied to each subcommand as it is created, so they come first.
  const contextFor = (command: Command) => contextOf(command, surroundings);
  registerDestinations(program, contextFor);
  registerTransmissions(program, contextFor);
  registerMessages(program, contextFor);
  registerOrganizations(program, contextFor);
  registerSources(program, contextFor);
  registerSubscriptions(program, contextFor);
  registerAudit(program, contextFor, surroundings.now);
  registerRedeliver(program, contextFor, surroundings.now);
  return program;
};
