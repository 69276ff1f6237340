import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { Logger } from '@aws-lambda-powertools/logger';
import type { Metrics } from '@aws-lambda-powertools/metrics';
import { publishMetrics } from '../shared/runtime/metrics';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { type BacklogPorts, watchBacklogAge } from '../shared/pauses/backlog-age';
import { probeDueDestinations } from '../shared/pauses/prober-pass';
import { reportPauseGauges } from '../shared/pauses/gauges';

/** How one run of the prober paces its passes. */
export interface ProberRun {
  /** Between passes inside one run, so the ladder's short rungs are honoured. */
  readonly passIntervalMs: number;
  /** Room left at the end of a run for the last pass: one probe may wait a destination's longest timeout. */
  readonly finalPassMarginMs: number;
}

/** As deployed: a pass every two seconds for as long as the scheduled run leaves room. */
export const PROBER_RUN: ProberRun = { passIntervalMs: 2000, finalPassMarginMs: 35_000 };

/**
 * The prober, run once a minute: it watches the age of every destination queue (`watchBacklogAge`),
 * then keeps passing over the paused destinations until its time is nearly up, so a head due in
 * 10 seconds is tried in 10 seconds, not at the next minute.
 */
export const createProberHandler = (ports: BacklogPorts, logger: Logger, metrics: Metrics, run: ProberRun = PROBER_RUN) =>
  middy<unknown, { passes: number; probed: number; resumed: number }>()
    .use(injectLambdaContext(logger))
    .use(publishMetrics(metrics))
    .handler(async (_event: unknown, context: Context) => {
      let passes = 0;
      let probed = 0;
      let resumed = 0;
      // First: an active destination it pauses for its aging backlog is worked on by this run's passes.
      await watchBacklogAge(ports);
      do {
        const pass = await probeDueDestinations(ports);
        passes++;
        probed += pass.probed;
        resumed += pass.resumed;
        if (pass.paused === 0) break;
        await ports.sleep(run.passIntervalMs);
      } while (context.getRemainingTimeInMillis() > run.finalPassMarginMs);
      await reportPauseGauges(ports);
      return { passes, probed, resumed };
    });
