import { Logger } from '@aws-lambda-powertools/logger';
import type { ObserveConfig } from './config';

/**
 * A Powertools logger for one Conveyor function. On AWS its level is the function's application log
 * level (Lambda's Advanced Logging Controls set AWS_LAMBDA_LOG_LEVEL, which Powertools follows over
 * POWERTOOLS_LOG_LEVEL: `ConveyorFunction` sets INFO); the local runtime, whose environment is a
 * record it was given, passes the level explicitly.
 *
 * Each line carries the invocation's context (function ARN, name, memory, request id, cold start,
 * X-Ray trace id): about 330 bytes before the message. So the happy path of a message logs at
 * DEBUG ('Message accepted', 'Delivered'): at INFO a delivered message writes no line, and the
 * message's item, its arrival and attempt logs (admin API) say what those lines said.
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

/**
 * An unexpected error by name and stack frames only (`at …` lines): its message, which may run
 * over several lines and quote a payload, stays out of the log whatever its shape.
 */
export const stackFields = (error: unknown): { errorName?: string; frames?: string } => ({
  errorName: (error as Error | null)?.name,
  frames: (error as Error | null)?.stack
    ?.split('\n')
    .filter((line) => /^\s+at /.test(line))
    .join('\n'),
});
