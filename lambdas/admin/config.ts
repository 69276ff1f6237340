/** The admin function's configuration, read from its environment once, at module load. */
import { type PausingFunctionConfig, readPausingFunctionConfig } from '../shared/runtime/config';
import { ENV, type Environment, envReader } from '../shared/runtime/env';

export interface AdminConfig extends PausingFunctionConfig {
  /** The delivery function, which the mappings this function creates feed. */
  readonly deliveryFunctionArn: string;
}

export const readAdminConfig = (env?: Environment): AdminConfig => ({
  ...readPausingFunctionConfig(env),
  deliveryFunctionArn: envReader(env).string(ENV.DELIVERY_FUNCTION_ARN),
});
