/** The prober's configuration, read from its environment once, at module load. */
import { type PausingFunctionConfig, readPausingFunctionConfig } from '../shared/runtime/config';
import type { Environment } from '../shared/runtime/env';

/** The store, the pause settings and how to observe: nothing of the prober's own. */
export type ProberConfig = PausingFunctionConfig;

export const readProberConfig = (env?: Environment): ProberConfig => readPausingFunctionConfig(env);
