import { requirePaused } from '../domain/destinations';
import { MetricNames } from '../domain/metric-names';
import type { PausePorts } from './pause-ports';

/**
 * Publishes the gauges the alarms watch: how many destinations are paused, for how long the
 * longest has been, and how old the oldest entry waiting behind a paused head is — the one that
 * SQS's retention would drop first (the spill takes it at twelve days; the alarm fires long before).
 * Ages are in seconds; also the number of paused destinations and of entries in spills. Throws
 * `DestinationStateError` when the store lists a destination that is not paused.
 */
export const reportPauseGauges = async (ports: PausePorts): Promise<void> => {
  const paused = await ports.destinationState.listPausedDestinations();
  const now = ports.clock().getTime();
  const ageSeconds = (time: string) => Math.round((now - Date.parse(time)) / 1000);
  let longestPause = 0;
  let oldestEntry = 0;
  let spillBacklog = 0;
  for (const listed of paused) {
    // Only paused destinations are listed; one without its pause record is a store fault.
    const destination = requirePaused(listed);
    const { pause } = destination;
    longestPause = Math.max(longestPause, ageSeconds(pause.pausedAt));
    spillBacklog += destination.spilled ?? 0;
    // The spill's first entry is older than anything in the queue; without a spill, the queue's
    // head was sent before the pause began, so the pause's age is a floor for it.
    const oldest = destination.spilled
      ? (await ports.spill.first(destination.id))?.sentAt
      : (pause.queueHeadSentAt ?? pause.pausedAt);
    if (oldest) oldestEntry = Math.max(oldestEntry, ageSeconds(oldest));
  }
  ports.meter.count(MetricNames.pausedDestinations, paused.length);
  ports.meter.seconds(MetricNames.longestPause, longestPause);
  ports.meter.seconds(MetricNames.oldestPausedEntryAge, oldestEntry);
  ports.meter.count(MetricNames.spillBacklog, spillBacklog);
};
