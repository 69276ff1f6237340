import { MetricNames } from '../domain/metric-names';
import type { MappingPorts } from './mapping-ports';

/**
 * How long (s) a destination may stay on the mapping worklist before it counts as drift: a
 * mapping takes seconds to change state and the reconciler passes every few seconds, so five
 * minutes means it is stuck (refused, missing, or the control plane saturated).
 */
export const MAPPING_DRIFT_SECONDS = 300;

/**
 * Publishes the `MappingDrift` gauge, which an alarm watches: how many destinations have been on
 * the worklist for `MAPPING_DRIFT_SECONDS` or more, each logged by id. Returns that count; throws
 * when the worklist cannot be read.
 */
export const reportMappingDrift = async (
  ports: Pick<MappingPorts, 'worklist' | 'clock' | 'log' | 'meter'>,
  thresholdSeconds = MAPPING_DRIFT_SECONDS,
): Promise<number> => {
  const now = ports.clock().getTime();
  const drifting = (await ports.worklist.list()).filter(
    (item) => now - Date.parse(item.since) >= thresholdSeconds * 1000,
  );
  for (const item of drifting) {
    ports.log.warn("A mapping has differed from its destination's state for too long", {
      destinationId: item.destinationId,
      since: item.since,
      reason: item.reason,
    });
  }
  ports.meter.count(MetricNames.mappingDrift, drifting.length);
  return drifting.length;
};
