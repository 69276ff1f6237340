/** The delivery function's configuration, read from its environment once, at module load. */
import { type PausingFunctionConfig, readPausingFunctionConfig } from '../shared/runtime/config';
import type { Environment } from '../shared/runtime/env';

/** The store, the pause settings and how to observe: nothing of delivery's own. */
export type DeliveryConfig = PausingFunctionConfig;

export const readDeliveryConfig = (env?: Environment): DeliveryConfig => readPausingFunctionConfig(env);
