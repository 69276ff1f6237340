/** The prober's configuration, read from its environment once, at module load. */
import { type PausingFunctionConfig, readPausingFunctionConfig } from '../shared/runtime/config';
import { ENV, type Environment, envReader } from '../shared/runtime/env';

/** The store and the pause settings, and the delivery function whose mappings it reconciles. */
export interface ProberConfig extends PausingFunctionConfig {
  /** The delivery function: its mappings are listed by it (ListEventSourceMappings' FunctionName). */
  readonly deliveryFunctionArn: string;
}

export const readProberConfig = (env?: Environment): ProberConfig => ({
  ...readPausingFunctionConfig(env),
  deliveryFunctionArn: envReader(env).string(ENV.DELIVERY_FUNCTION_ARN),
});
