import { Logger } from '@aws-lambda-powertools/logger';

/** A Powertools logger for one Conveyor function (level from POWERTOOLS_LOG_LEVEL, default INFO). */
export const createLogger = (serviceName: string): Logger => new Logger({ serviceName });

/**
 * The loggable part of an error from a dependency: its name and the start of its message (SDK and
 * network errors never quote a payload; request bodies are never part of an error we raise).
 */
export const errorFields = (error: unknown): { errorName: string; errorMessage: string } => {
  const { name, message } = error instanceof Error ? error : new Error(String(error));
  return { errorName: name, errorMessage: message.slice(0, 300) };
};
