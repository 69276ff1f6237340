import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { Logger } from '@aws-lambda-powertools/logger';
import type { Metrics } from '@aws-lambda-powertools/metrics';
import { publishMetrics } from '../shared/runtime/metrics';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { type PausePorts } from '../shared/pauses/pause-ports';
import { probeDueDestinations } from '../shared/pauses/prober-pass';
import { reportPauseGauges } from '../shared/pauses/gauges';

/** Seconds between passes inside one scheduled run, so the ladder's short rungs are honoured. */
const PASS_INTERVAL_MS = 2000;
/** Room left at the end of a run for the last pass: one probe may wait a destination's longest timeout. */
const FINAL_PASS_MARGIN_MS = 35_000;

/**
 * The prober, run once a minute: it keeps passing over the paused destinations until its time is
 * nearly up, so a head due in 10 seconds is tried in 10 seconds, not at the next minute.
 */
export const createProberHandler = (ports: PausePorts, logger: Logger, metrics: Metrics) =>
  middy<unknown, { passes: number; probed: number; resumed: number }>()
    .use(injectLambdaContext(logger))
    .use(publishMetrics(metrics))
    .handler(async (_event: unknown, context: Context) => {
      let passes = 0;
      let probed = 0;
      let resumed = 0;
      do {
        const pass = await probeDueDestinations(ports);
        passes++;
        probed += pass.probed;
        resumed += pass.resumed;
        if (pass.paused === 0) break;
        await ports.sleep(PASS_INTERVAL_MS);
      } while (context.getRemainingTimeInMillis() > FINAL_PASS_MARGIN_MS);
      await reportPauseGauges(ports);
      return { passes, probed, resumed };
    });
