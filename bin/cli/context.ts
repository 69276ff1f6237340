/**
 * What every command works with: the API client for the chosen endpoint and the output, built
 * from the global options (`--api`, `--region`, `--json`) and the CLI's surroundings.
 */
import type { Command } from 'commander';
import type { AwsCredentialIdentity, Provider } from '@smithy/types';
import type { Environment } from '../../lambdas/shared/runtime/env';
import { resolveAdminToken } from './credentials';
import { resolveEndpoint } from './endpoint';
import { UnreachableError } from './errors';
import { type ApiClient, type Authenticate, bearer, createApiClient } from './http-client';
import { createOutput, type Output } from './output';

/** What the CLI takes from its process; tests give their own. */
export interface CliSurroundings {
  readonly env: Environment;
  /**
   * The checkout: a relative `CONVEYOR_DATA_DIR` (and the default `.conveyor`) is resolved against
   * it, as `npm start` (run by npm in the package's root) resolves it, whatever directory the
   * operator runs `conveyor` from.
   */
  readonly checkout: string;
  readonly now: () => Date;
  readonly fetch: typeof fetch;
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  /** AWS credentials. @default the SDK's default chain (`defaultProvider()`), loaded on first use */
  readonly awsCredentials?: Provider<AwsCredentialIdentity>;
}

/** The options the root command defines, read by every command. */
export interface GlobalOptions {
  readonly api?: string;
  readonly region?: string;
  readonly json?: boolean;
}

/** What a command's action uses: the client (auth resolved on first request), the output, the clock. */
export interface CommandContext {
  readonly client: ApiClient;
  readonly output: Output;
  readonly now: () => Date;
  readonly env: Environment;
}

/** The default chain (environment, SSO, shared files, container and instance roles), loaded only on AWS. */
let chain: Provider<AwsCredentialIdentity> | undefined;
const defaultChain: Provider<AwsCredentialIdentity> = async () => {
  // Created once: the chain remembers what it found (and refreshes it before it expires).
  chain ??= (await import('@aws-sdk/credential-provider-node')).defaultProvider();
  try {
    return await chain();
  } catch (error) {
    throw new UnreachableError(
      `No AWS credentials in the default chain (environment, AWS_PROFILE, SSO, instance role): ${error instanceof Error ? error.message : String(error)}`,
      { cause: error },
    );
  }
};

/**
 * The context of the command being run. Nothing is resolved until a request is sent, so `--help`
 * and usage errors need neither a token nor credentials.
 *
 * @throws UsageError when `--api` or `--region` is malformed.
 */
export const contextOf = (command: Command, surroundings: CliSurroundings): CommandContext => {
  const globals = command.optsWithGlobals<GlobalOptions>();
  const endpoint = resolveEndpoint(globals, surroundings.env);
  const aws = endpoint.aws;
  let authenticate: Authenticate | undefined;
  const admin = async () =>
    (authenticate ??= aws
      ? // Loaded only on AWS: the signer's modules take a second to load on a busy machine.
        (await import('./sigv4')).requestSigner({
          region: aws.region,
          credentials: surroundings.awsCredentials ?? defaultChain,
          now: surroundings.now,
        })
      : bearer(resolveAdminToken(surroundings.env, surroundings.checkout)));
  return {
    client: createApiClient({ baseUrl: endpoint.baseUrl, admin, fetch: surroundings.fetch }),
    output: createOutput(globals.json === true, surroundings.stdout, surroundings.stderr),
    now: surroundings.now,
    env: surroundings.env,
  };
};

/** Builds the context for the command being run; each command group is registered with one. */
export type ContextFor = (command: Command) => CommandContext;
