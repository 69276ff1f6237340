import type { MiddlewareObj, Request } from '@middy/core';
import type { Context } from 'aws-lambda';
import { randomUUID } from 'node:crypto';
import { MetricNames } from '../shared/domain/metric-names';
import type { Log, Meter } from '../shared/ports/observe';
import type { ProberLease } from '../shared/ports/prober-lease';
import { errorFields } from '../shared/runtime/logging';

/**
 * Room in the lease beyond the invocation's remaining time: Lambda ends the run by then at the
 * latest, and the clocks of two hosts differ by far less.
 */
export const PROBER_LEASE_MARGIN_MS = 10_000;

/** What `exclusiveRun` takes: the lease, and where it reports a run that could not take it. */
export interface ExclusiveRunPorts {
  readonly proberLease: ProberLease;
  readonly log: Log;
  readonly meter: Meter;
}

/** Thrown by `before` to end a run that could not take the lease; `onError` turns it into the answer. */
class LeaseHeldElsewhere extends Error {
  constructor() {
    super('Another prober run holds the lease');
    this.name = 'LeaseHeldElsewhere';
  }
}

/**
 * Middy middleware: one prober run at a time across every instance of the function, with a
 * DynamoDB lease rather than a reserved concurrency of 1 (which a new account, whose concurrency
 * quota may be 10 while Lambda keeps 10 unreserved, cannot grant).
 *
 * - `before`: takes the lease as a new holder for the invocation's remaining time (at most the
 *   function's timeout) plus `PROBER_LEASE_MARGIN_MS`. Held by another run: logs, counts
 *   `ProberRunsSkipped` and ends the invocation with `whenBusy` — by throwing, so that the handler
 *   is skipped while the error phase of the middlewares used before this one still runs (metrics
 *   are published, the logger cleans up); an early return would skip them. A lease that cannot be
 *   read fails the run: it never runs without it.
 * - `after`, `onError`: gives the lease back; a release that fails is logged (the lease runs out
 *   by itself) and never fails the run. What the run threw is thrown.
 *
 * Use it last, so that its `onError` comes first.
 */
export const exclusiveRun = <TResult>(
  ports: ExclusiveRunPorts,
  whenBusy: TResult,
): MiddlewareObj<unknown, TResult, Error, Context> => {
  // The holder id of the lease each request took (one request at a time on Lambda; locally too).
  const holders = new WeakMap<Request<unknown, TResult, Error, Context>, string>();
  const release = async (request: Request<unknown, TResult, Error, Context>) => {
    const holder = holders.get(request);
    if (holder === undefined) return;
    holders.delete(request);
    await ports.proberLease
      .release(holder)
      .catch((error: unknown) =>
        ports.log.warn('Could not release the prober lease; it runs out by itself', errorFields(error)),
      );
  };
  return {
    before: async (request) => {
      const holder = randomUUID();
      const leaseMs = request.context.getRemainingTimeInMillis() + PROBER_LEASE_MARGIN_MS;
      if (!(await ports.proberLease.take(holder, leaseMs))) {
        ports.log.info('Another prober run holds the lease; this run ends', { leaseMs });
        ports.meter.count(MetricNames.proberRunsSkipped);
        throw new LeaseHeldElsewhere();
      }
      holders.set(request, holder);
    },
    after: release,
    onError: async (request) => {
      // Setting the response without returning it lets the other middlewares' onError run too.
      if (request.error instanceof LeaseHeldElsewhere) request.response = whenBusy;
      else await release(request);
    },
  };
};
