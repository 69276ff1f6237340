/** The admin function's configuration, read from its environment once, at module load. */
import { type PausingFunctionConfig, readPausingFunctionConfig } from '../shared/runtime/config';
import { ENV, type Environment, envReader } from '../shared/runtime/env';

/** The admin function's own settings, with defaults (the local runtime reads them with the same reader). */
export interface AdminSettings {
  /**
   * How long (ms) `POST …/redeliver` enqueues before it answers 202 and leaves the rest to the
   * prober: well inside API Gateway's 30 s integration timeout. @default 5000
   */
  readonly redeliveryBudgetMs: number;
  /**
   * New destinations require endpoint verification (`unverified` until their endpoint echoes a
   * challenge) unless created with `verify: false`; `verify: true` asks for it either way. @default false
   */
  readonly verifyDestinations: boolean;
}

export interface AdminConfig extends PausingFunctionConfig {
  /** The delivery function, which the mappings this function creates feed. */
  readonly deliveryFunctionArn: string;
  readonly settings: AdminSettings;
}

export const readAdminSettings = (env?: Environment): AdminSettings => ({
  redeliveryBudgetMs: envReader(env).integer(ENV.REDELIVERY_ADMIN_BUDGET_MS, 5000),
  verifyDestinations: envReader(env).boolean(ENV.VERIFY_DESTINATIONS, false),
});

export const readAdminConfig = (env?: Environment): AdminConfig => ({
  ...readPausingFunctionConfig(env),
  deliveryFunctionArn: envReader(env).string(ENV.DELIVERY_FUNCTION_ARN),
  settings: readAdminSettings(env),
});
