/**
 * `conveyor`'s entry (run by bin/conveyor-cli.mjs): parses the command line, runs the command,
 * and turns every outcome into an exit code (`errors.ts` `EXIT`) with one line on stderr.
 */
import { CommanderError } from 'commander';
import type { CliSurroundings } from './context';
import { CliError, EXIT, type ExitCode } from './errors';
import { createProgram } from './program';

// Commander's codes for help that was asked for, as opposed to help shown because of an error.
const HELP_ASKED = new Set(['commander.helpDisplayed', 'commander.version']);

/** The process's own surroundings; `checkout` is the repository root the CLI runs from. */
export const processSurroundings = (checkout: string): CliSurroundings => ({
  env: process.env,
  checkout,
  now: () => new Date(),
  fetch: globalThis.fetch,
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
});

/**
 * Runs `conveyor` with `argv` (as `process.argv`: node, script, then the arguments); resolves
 * with the exit code, never rejects.
 */
export const main = async (argv: readonly string[], surroundings: CliSurroundings): Promise<ExitCode> => {
  try {
    await createProgram(surroundings).parseAsync([...argv]);
    return EXIT.ok;
  } catch (error) {
    // Commander has already written its message (and the usage hint) to stderr.
    if (error instanceof CommanderError) return HELP_ASKED.has(error.code) ? EXIT.ok : EXIT.usage;
    if (error instanceof CliError) {
      surroundings.stderr(`${error.message}\n`);
      return error.exitCode;
    }
    surroundings.stderr(`conveyor: unexpected failure: ${error instanceof Error ? error.stack : String(error)}\n`);
    return EXIT.internal;
  }
};
