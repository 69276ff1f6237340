import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { MiddlewareObj } from '@middy/core';
import { METRIC_NAMESPACE } from '../domain/metric-names';
import type { Meter } from '../ports/observe';


/**
 * The metrics of one function, dimensioned by deployment (`CONVEYOR_DEPLOYMENT`, the stack name).
 * Its handler flushes them at the end of each invocation (`logMetrics`).
 */
export const createMetrics = (): Metrics =>
  new Metrics({ namespace: METRIC_NAMESPACE, serviceName: process.env.CONVEYOR_DEPLOYMENT || 'conveyor' });

export const meterOver = (metrics: Metrics): Meter => ({
  count: (name, value = 1) => metrics.addMetric(name, MetricUnit.Count, value),
  milliseconds: (name, value) => metrics.addMetric(name, MetricUnit.Milliseconds, Math.max(0, value)),
  seconds: (name, value) => metrics.addMetric(name, MetricUnit.Seconds, Math.max(0, value)),
});

/**
 * Publishes what an invocation recorded, after it and after a failure. Unlike Powertools'
 * `logMetrics`, an invocation that recorded nothing (a GET, an idle poll) writes nothing at all,
 * not even a warning: log lines cost CloudWatch ingestion.
 */
export const publishMetrics = (metrics: Metrics): MiddlewareObj => {
  const publish = async () => {
    if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
  };
  return { after: publish, onError: publish };
};
