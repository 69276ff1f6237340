/**
 * The secrets the CLI sends: the local admin token and a source's API key. Their values are only
 * ever put in an Authorization header, never printed or put in an error message.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Environment } from '../../lambdas/shared/runtime/env';
import { CLI_ENV, envValue } from './environment';
import { UnreachableError } from './errors';

/** Where `npm start` keeps its data unless `CONVEYOR_DATA_DIR` says otherwise (as in `bin/local.ts`). */
export const DEFAULT_DATA_DIR = '.conveyor';

/**
 * The admin token for local mode, first found of:
 * 1. `CONVEYOR_ADMIN_TOKEN` (what `npm start` uses when set);
 * 2. the file `<CONVEYOR_DATA_DIR or .conveyor>/admin-token`, relative to `checkout` (where
 *    `npm start` runs), which `npm start`
 *    writes when it generates the token (`local/conveyor-local.ts`).
 *
 * @throws UnreachableError (exit 3) when neither holds a token.
 */
export const resolveAdminToken = (env: Environment, checkout: string): string => {
  const fromEnv = envValue(env, CLI_ENV.CONVEYOR_ADMIN_TOKEN);
  if (fromEnv !== undefined) return fromEnv;
  const file = resolve(checkout, envValue(env, CLI_ENV.CONVEYOR_DATA_DIR) ?? DEFAULT_DATA_DIR, 'admin-token');
  let fromFile = '';
  try {
    fromFile = readFileSync(file, 'utf8').trim();
  } catch {
    // Absent or unreadable: reported below, with both places to look.
  }
  if (fromFile !== '') return fromFile;
  throw new UnreachableError(
    `No admin token: set ${CLI_ENV.CONVEYOR_ADMIN_TOKEN} to the token npm start printed, or run npm start in this ` +
      `checkout (it writes ${file} when it generates the token). On AWS, give --region or the execute-api URL.`,
  );
};

/**
 * A source's API key for the integrator routes: `--api-key`, else `CONVEYOR_API_KEY`.
 *
 * @throws UnreachableError (exit 3) when neither is given.
 */
export const resolveApiKey = (option: string | undefined, env: Environment): string => {
  const key = option ?? envValue(env, CLI_ENV.CONVEYOR_API_KEY);
  if (key === undefined || key === '') {
    throw new UnreachableError(
      `This route reads as a source: give --api-key or set ${CLI_ENV.CONVEYOR_API_KEY} to the source's API key.`,
    );
  }
  return key;
};
