/**
 * Reads a PEM file named on the command line (a client certificate, its key, a CA bundle): the API
 * takes the PEM text itself, and a key does not belong in the shell's history. The server checks
 * what the text holds and names the field in its 400.
 */
import { readFileSync } from 'node:fs';
import { InvalidArgumentError } from 'commander';

/** The text of the file at `path`; a usage error (exit 2) naming the path when it cannot be read. */
export const pemFile = (path: string): string => {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new InvalidArgumentError(`Cannot read ${path}${code ? ` (${code})` : ''}.`);
  }
};
