import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { MiddlewareObj } from '@middy/core';
import { METRIC_NAMESPACE } from '../domain/metric-names';
import type { Meter } from '../ports/observe';
import type { ObserveConfig } from './config';

/** Metrics that are recorded and then dropped: where no CloudWatch reads them (the local runtime). */
class DiscardedMetrics extends Metrics {
  override publishStoredMetrics(): this {
    this.clearMetrics();
    return this;
  }
}

/**
 * The metrics of one function, dimensioned by deployment (the stack name). Its handler publishes
 * them at the end of each invocation (`publishMetrics`). Powertools has no option to disable
 * metrics other than its environment variable, so `metricsDisabled` is honoured here.
 */
export const createMetrics = (config: Pick<ObserveConfig, 'deployment' | 'metricsDisabled'>): Metrics => {
  const options = { namespace: METRIC_NAMESPACE, serviceName: config.deployment };
  return config.metricsDisabled ? new DiscardedMetrics(options) : new Metrics(options);
};

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
