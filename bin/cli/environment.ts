/**
 * The environment the CLI reads. The names `npm start` shares with it (the admin token, the data
 * directory) come from `ENV`; the two only the CLI reads are named here.
 */
import { ENV, type Environment } from '../../lambdas/shared/runtime/env';

/** The variables the CLI reads, by name. */
export const CLI_ENV = {
  /** The API's base URL, as `npm start` prints it or as the stack's `ApiUrl` output gives it. */
  CONVEYOR_API_URL: 'CONVEYOR_API_URL',
  /** A source's API key, for the integrator route `conveyor messages show` reads. */
  CONVEYOR_API_KEY: 'CONVEYOR_API_KEY',
  CONVEYOR_ADMIN_TOKEN: ENV.CONVEYOR_ADMIN_TOKEN,
  CONVEYOR_DATA_DIR: ENV.CONVEYOR_DATA_DIR,
} as const;

export type CliEnvName = (typeof CLI_ENV)[keyof typeof CLI_ENV];

/** A variable's value; unset and empty mean the same, as for `envReader`. */
export const envValue = (env: Environment, name: CliEnvName): string | undefined => {
  const value = env[name];
  return value === undefined || value === '' ? undefined : value;
};
