/**
 * What can go wrong in a `conveyor` command, each kind with the exit code a script can test.
 * `main.ts` prints the message to stderr and exits with the code; nothing else exits.
 */

/** The exit codes, documented in `conveyor --help` (`main.ts`). */
export const EXIT = {
  /** The command did what it said. */
  ok: 0,
  /** The API answered an error; stderr holds `<code>: <message>` (the contract's error codes). */
  apiError: 1,
  /** The command line was wrong (unknown command or option, a bad value, a required option missing). */
  usage: 2,
  /** The API could not be reached, or the CLI lacks what it needs to call it (a token, credentials). */
  unreachable: 3,
  /** A fault in the CLI itself (a bug). */
  internal: 4,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** An error the CLI expected: its message is for the operator, its exit code for scripts. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: ExitCode,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

/** The API answered a status outside 2xx; `code` is the contract's error code (or `http_<status>`). */
export class ApiAnswerError extends CliError {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(`${code}: ${message}`, EXIT.apiError);
    this.name = 'ApiAnswerError';
  }
}

/** A wrong command line that commander cannot see (e.g. `update` with nothing to change). */
export class UsageError extends CliError {
  constructor(message: string) {
    super(message, EXIT.usage);
    this.name = 'UsageError';
  }
}

/** The API is out of reach, or the CLI has no credential for it. */
export class UnreachableError extends CliError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, EXIT.unreachable);
    this.name = 'UnreachableError';
    if (options?.cause !== undefined) this.cause = options.cause;
  }
}
