import { Logger } from '@aws-lambda-powertools/logger';
import type { ObserveConfig } from './config';

/**
 * A Powertools logger for one Conveyor function, at the configured level (else Powertools' own
 * default, INFO). The level is passed, not left to Powertools' reading of the environment, so a
 * local runtime given its environment as a record logs at the level it was given.
 */
export const createLogger = (serviceName: string, config: Pick<ObserveConfig, 'logLevel'> = {}): Logger =>
  new Logger({ serviceName, logLevel: config.logLevel });

/**
 * The loggable part of an error from a dependency: its name and the start of its message (SDK and
 * network errors never quote a payload; request bodies are never part of an error we raise).
 */
export const errorFields = (error: unknown): { errorName: string; errorMessage: string } => {
  const { name, message } = error instanceof Error ? error : new Error(String(error));
  return { errorName: name, errorMessage: message.slice(0, 300) };
};
