/**
 * Stands in for the prober's schedule (EventBridge, every minute, one run at a time): runs the
 * prober's real handler, its pass loop, gauges and metrics included, one run after another.
 */
import type { Context } from 'aws-lambda';
import { PROBER_RUN, type ProberRun } from '../lambdas/prober/app';
import { localContext } from './lambda-context';

/** The deployed prober's timeout: a pass may take as long here as it may on AWS. */
const PROBER_TIMEOUT_MS = 90_000;

/**
 * About one pass a second, where AWS passes every two seconds within a minute's run: a run's
 * context leaves less than the final-pass margin once a pass and the interval's sleep are over,
 * so each run makes one pass, and the next starts when it ends. A run with nothing paused ends at
 * once, and the next waits out the rest of the second.
 */
export const LOCAL_PROBER_RUN: ProberRun = {
  passIntervalMs: 1000,
  finalPassMarginMs: PROBER_TIMEOUT_MS - 1000,
  visitMarginMs: PROBER_RUN.visitMarginMs,
};

type ProberHandler = (event: unknown, context: Context) => Promise<unknown>;

/** Starts the runs (the first after one interval); `stop` waits for the run under way. */
export const scheduleProber = (prober: ProberHandler): { stop: () => Promise<void> } => {
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let wake: (() => void) | undefined;
  const rest = (ms: number) =>
    new Promise<void>((resolve) => {
      wake = resolve;
      timer = setTimeout(resolve, ms);
    });
  const runs = (async () => {
    let started = Date.now();
    for (;;) {
      await rest(Math.max(0, LOCAL_PROBER_RUN.passIntervalMs - (Date.now() - started)));
      if (stopped) return;
      started = Date.now();
      // A failed run is retried by the next one, as the schedule does on AWS.
      await prober({}, localContext('conveyor-prober', PROBER_TIMEOUT_MS)).catch(() => undefined);
      // Stopped during the run: `stop` waits for this run only, not for the rest of an interval.
      if (stopped) return;
    }
  })();
  return {
    stop: async () => {
      stopped = true;
      clearTimeout(timer);
      wake?.();
      await runs;
    },
  };
};
