import { Logger } from '@aws-lambda-powertools/logger';
import type { ObserveConfig } from './config';

/**
 * A Powertools logger for one Conveyor function. On AWS it reads its level from the function's
 * POWERTOOLS_LOG_LEVEL (default INFO); the local runtime, whose environment is a record it was
 * given, passes the level explicitly.
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
