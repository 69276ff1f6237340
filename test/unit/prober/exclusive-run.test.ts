import { Metrics } from '@aws-lambda-powertools/metrics';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { exclusiveRun, PROBER_LEASE_MARGIN_MS } from '../../../lambdas/prober/exclusive-run';
import type { ProberLease } from '../../../lambdas/shared/ports/prober-lease';
import { meterOver, publishMetrics } from '../../../lambdas/shared/runtime/metrics';

/** A lease in memory that honours holders and ignores time, as the DynamoDB adapter does within a lease. */
class MemoryProberLease implements ProberLease {
  holder: string | undefined;
  readonly take = jest.fn(async (holder: string, _leaseMs: number) => {
    if (this.holder !== undefined && this.holder !== holder) return false;
    this.holder = holder;
    return true;
  });
  readonly release = jest.fn(async (holder: string) => {
    if (this.holder === holder) this.holder = undefined;
  });
}

const BUSY = { passes: 0 };
const context = { getRemainingTimeInMillis: () => 90_000 } as Context;

/** Prepare: a handler under the real metrics middleware and `exclusiveRun`; `run` is what the handler does. */
const setUp = (run: () => Promise<{ passes: number }> = async () => ({ passes: 3 })) => {
  const proberLease = new MemoryProberLease();
  const metrics = new Metrics({ namespace: 'Conveyor', serviceName: 'test' });
  const published: Array<Record<string, unknown>> = [];
  jest.spyOn(metrics, 'publishStoredMetrics').mockImplementation(function (this: Metrics) {
    published.push(JSON.parse(JSON.stringify(metrics.serializeMetrics())));
    metrics.clearMetrics();
    return metrics;
  });
  const log = { debug: jest.fn(), info: jest.fn(), warn: jest.fn(), error: jest.fn() };
  const body = jest.fn(run);
  const handler = middy<unknown, { passes: number }>()
    .use(publishMetrics(metrics))
    .use(exclusiveRun({ proberLease, log, meter: meterOver(metrics) }, BUSY))
    .handler(body);
  return { handler, proberLease, published, log, body };
};

describe('exclusiveRun', () => {
  it('runs the handler under the lease, taken for the time left plus a margin, and releases it after', async () => {
    const { handler, proberLease, body } = setUp();

    expect(await handler({}, context)).toEqual({ passes: 3 });

    expect(body).toHaveBeenCalledTimes(1);
    const [holder, leaseMs] = proberLease.take.mock.calls[0]!;
    expect(leaseMs).toBe(90_000 + PROBER_LEASE_MARGIN_MS);
    expect(proberLease.release.mock.calls).toEqual([[holder]]);
    expect(proberLease.holder).toBeUndefined();
  });

  it('ends a run that finds the lease held at once, logged and counted, the count published', async () => {
    const { handler, proberLease, published, log, body } = setUp();
    proberLease.holder = 'another run';

    expect(await handler({}, context)).toEqual(BUSY);

    expect(body).not.toHaveBeenCalled();
    expect(proberLease.release).not.toHaveBeenCalled();
    expect(proberLease.holder).toBe('another run');
    expect(log.info).toHaveBeenCalledWith('Another prober run holds the lease; this run ends', expect.anything());
    expect(published).toEqual([expect.objectContaining({ ProberRunsSkipped: 1 })]);
  });

  it('lets one of two overlapping runs through, and the other ends at once', async () => {
    let finish: () => void = () => undefined;
    const { handler, body } = setUp(() => new Promise((resolve) => (finish = () => resolve({ passes: 1 }))));

    const first = handler({}, context);
    await new Promise((resolve) => setImmediate(resolve));
    const second = await handler({}, context);
    finish();

    expect([await first, second]).toEqual([{ passes: 1 }, BUSY]);
    expect(body).toHaveBeenCalledTimes(1);
  });

  it('releases the lease when the run fails, and throws what it threw', async () => {
    const { handler, proberLease } = setUp(async () => {
      throw new Error('DynamoDB unavailable');
    });

    await expect(handler({}, context)).rejects.toThrow('DynamoDB unavailable');

    expect(proberLease.release).toHaveBeenCalledTimes(1);
    expect(proberLease.holder).toBeUndefined();
  });

  it('logs a release that fails instead of failing the run: the lease runs out by itself', async () => {
    const { handler, proberLease, log } = setUp();
    proberLease.release.mockRejectedValueOnce(new Error('DynamoDB unavailable'));

    expect(await handler({}, context)).toEqual({ passes: 3 });

    expect(log.warn).toHaveBeenCalledWith(
      'Could not release the prober lease; it runs out by itself',
      expect.objectContaining({ errorMessage: 'DynamoDB unavailable' }),
    );
  });

  it('fails a run that cannot read the lease rather than run without it', async () => {
    const { handler, proberLease, body } = setUp();
    proberLease.take.mockRejectedValueOnce(new Error('DynamoDB unavailable'));

    await expect(handler({}, context)).rejects.toThrow('DynamoDB unavailable');

    expect(body).not.toHaveBeenCalled();
    expect(proberLease.release).not.toHaveBeenCalled();
  });
});
