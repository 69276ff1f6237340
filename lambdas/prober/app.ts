import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { Logger } from '@aws-lambda-powertools/logger';
import type { Metrics } from '@aws-lambda-powertools/metrics';
import { publishMetrics } from '../shared/runtime/metrics';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { type AuditResult, auditMappings } from '../shared/mappings/audit-mappings';
import { reportMappingDrift } from '../shared/mappings/mapping-drift';
import { type MappingPorts, ReconcilerMemory } from '../shared/mappings/mapping-ports';
import { type ReconcileResult, reconcileMappings } from '../shared/mappings/reconcile-mappings';
import { type PausePorts } from '../shared/pauses/pause-ports';
import { type BacklogPorts, watchBacklogAge } from '../shared/pauses/backlog-age';
import { probeDueDestinations } from '../shared/pauses/prober-pass';
import { reportPauseGauges } from '../shared/pauses/gauges';
import { exclusiveRun, type ExclusiveRunPorts } from './exclusive-run';
import { errorFields } from '../shared/runtime/logging';
import { continueRedeliveries } from '../shared/redelivery/continue-redeliveries';
import type { RedeliveryPorts } from '../shared/redelivery/run-redelivery';
import { randomUUID } from 'node:crypto';

/** What the prober takes: the pause ports, the mappings it alone changes (as the reconciler), the redeliveries it continues. */
export type ProberPorts = PausePorts & MappingPorts & RedeliveryPorts;

/** How one run of the prober paces its passes. */
export interface ProberRun {
  /** Between passes inside one run, so the ladder's short rungs are honoured. */
  readonly passIntervalMs: number;
  /** Room left at the end of a run for the last pass: one probe may wait a destination's longest timeout. */
  readonly finalPassMarginMs: number;
  /**
   * Room a visit to one paused destination needs (ms): a pass starts visits only while the run has
   * more than this left. A probe waits at most a destination's longest timeout (30 s,
   * `TIMEOUT_LIMITS_MS`); a pass over hundreds of paused destinations would otherwise run past
   * the function's timeout and be ended mid-visit.
   */
  readonly visitMarginMs: number;
}

/** How long (ms) one pass may spend enqueuing redeliveries: well inside a run, a few pages at least. */
const REDELIVERY_TURN_MS = 10_000;

/** As deployed: a pass every two seconds for as long as the scheduled run leaves room. */
export const PROBER_RUN: ProberRun = { passIntervalMs: 2000, finalPassMarginMs: 35_000, visitMarginMs: 35_000 };

/** A step that fails is logged and the run goes on: the next pass (or run) tries it again. */
const logged = async <T>(ports: ProberPorts, what: string, step: () => Promise<T>): Promise<T | undefined> => {
  try {
    return await step();
  } catch (error) {
    ports.log.error(`${what} failed`, errorFields(error));
    return undefined;
  }
};

/**
 * The prober, run once a minute: it watches the age of every destination queue, audits the
 * mappings once, then passes over the mapping worklist and the paused destinations until its time
 * is nearly up, so a head due in 10 seconds is tried in 10 seconds, not at the next minute, and a
 * mapping change is checked every pass.
 *
 * 1. Watch the backlog (`watchBacklogAge`): publish the oldest entry's age; pause an active
 *    destination whose backlog nears the queue's retention, so this run's passes spill it.
 * 2. Audit the mappings (`auditMappings`): any that differs from its destination goes on the worklist.
 * 3. Each pass: reconcile the mappings (`reconcileMappings`, the first pass reading the audit's
 *    listing) and, side by side, probe the paused destinations (`probeDueDestinations`).
 * 4. Stop early when nothing is paused and nothing is left on the worklist.
 * 5. Publish the gauges: pauses (`reportPauseGauges`) and mapping drift (`reportMappingDrift`).
 *
 * `memory` is the reconciler's, kept for as long as the function's environment lives.
 */
export const createProberHandler = (
  ports: ProberPorts & BacklogPorts & ExclusiveRunPorts,
  logger: Logger,
  metrics: Metrics,
  run: ProberRun = PROBER_RUN,
  memory = new ReconcilerMemory(),
) =>
  middy<unknown, { passes: number; probed: number; resumed: number; mappingUpdates: number }>()
    .use(injectLambdaContext(logger))
    .use(publishMetrics(metrics))
    .use(exclusiveRun(ports, { passes: 0, probed: 0, resumed: 0, mappingUpdates: 0 }))
    .handler(async (_event: unknown, context: Context) => {
      // This run's hold on the redeliveries it continues (see continueRedeliveries).
      const holder = `prober:${randomUUID()}`;
      let passes = 0;
      let probed = 0;
      let resumed = 0;
      // First: an active destination it pauses for its aging backlog is worked on by this run's passes.
      await logged(ports, 'Backlog age', () => watchBacklogAge(ports));
      let mappingUpdates = 0;
      const audit: AuditResult | undefined = await logged(ports, 'Mapping audit', () => auditMappings(ports, memory));
      let observed = audit?.observed;
      do {
        // Side by side: the reconciler's turn mostly waits for its share of the control plane,
        // the probes for endpoints; neither holds the other up, and the turn lasts while they do.
        let probesUnderWay = true;
        const [reconciled, probing, redelivering] = await Promise.allSettled([
          logged(ports, 'Mapping reconciliation', () =>
            reconcileMappings(ports, memory, { observed, passGoesOn: () => probesUnderWay }),
          ),
          probeDueDestinations(ports, () => context.getRemainingTimeInMillis() > run.visitMarginMs).finally(
            () => (probesUnderWay = false),
          ),
          logged(ports, 'Redeliveries', () =>
            continueRedeliveries(ports, holder, ports.clock().getTime() + REDELIVERY_TURN_MS),
          ),
        ]);
        if (probing.status === 'rejected') throw probing.reason;
        const pass = probing.value;
        const reconciledPass: ReconcileResult | undefined =
          reconciled.status === 'fulfilled' ? reconciled.value : undefined;
        observed = undefined;
        passes++;
        probed += pass.probed;
        resumed += pass.resumed;
        mappingUpdates += reconciledPass?.updated ?? 0;
        const redeliveriesLeft = redelivering.status === 'fulfilled' ? (redelivering.value?.unfinished ?? 1) : 1;
        // Keep passing while a mapping may still need a call or a redelivery is unfinished (a failure counts as work).
        if (pass.paused === 0 && reconciledPass?.pending === 0 && redeliveriesLeft === 0) break;
        await ports.sleep(run.passIntervalMs);
      } while (context.getRemainingTimeInMillis() > run.finalPassMarginMs);
      await reportPauseGauges(ports);
      await logged(ports, 'Mapping drift gauge', () => reportMappingDrift(ports));
      return { passes, probed, resumed, mappingUpdates };
    });
