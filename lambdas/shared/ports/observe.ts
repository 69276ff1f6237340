/** The observing ports every use case takes: the clock, the log and the meter. */
import type { Logger } from '@aws-lambda-powertools/logger';
import type { MetricName } from '../domain/metric-names';

/** The time now; injected so that use cases and adapters can be tested at any time. */
export type Clock = () => Date;

/** The slice of a logger that use cases write to: structured, keyed by ids, never payloads. */
export type Log = Pick<Logger, 'debug' | 'info' | 'warn' | 'error'>;

/** What use cases record; the Powertools adapter writes it as CloudWatch embedded metric format. */
export interface Meter {
  count(name: MetricName, value?: number): void;
  milliseconds(name: MetricName, value: number): void;
  seconds(name: MetricName, value: number): void;
}
