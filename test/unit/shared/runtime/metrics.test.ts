import { Metrics } from '@aws-lambda-powertools/metrics';
import middy from '@middy/core';
import { meterOver, publishMetrics } from '../../../../lambdas/shared/runtime/metrics';

const setUp = () => {
  const metrics = new Metrics({ namespace: 'Conveyor', serviceName: 'test' });
  const published: string[] = [];
  jest.spyOn(metrics, 'publishStoredMetrics').mockImplementation(function (this: Metrics) {
    published.push(JSON.stringify(metrics.serializeMetrics()));
    metrics.clearMetrics();
    return metrics;
  });
  return { metrics, published };
};

describe('publishMetrics', () => {
  it('publishes what an invocation recorded, in the Conveyor namespace', async () => {
    const { metrics, published } = setUp();
    const handler = middy(async () => meterOver(metrics).count('TransmissionsDelivered', 2)).use(
      publishMetrics(metrics),
    );

    await handler({}, {} as never);

    expect(published).toHaveLength(1);
    const emf = JSON.parse(published[0]!);
    expect(emf._aws.CloudWatchMetrics[0]).toMatchObject({ Namespace: 'Conveyor', Dimensions: [['service']] });
    expect(emf).toMatchObject({ service: 'test', TransmissionsDelivered: 2 });
  });

  it('writes nothing for an invocation that recorded nothing', async () => {
    const { metrics, published } = setUp();
    const handler = middy(async () => 'nothing to count').use(publishMetrics(metrics));

    await handler({}, {} as never);

    expect(published).toEqual([]);
  });

  it('publishes what was recorded before a failure', async () => {
    const { metrics, published } = setUp();
    const handler = middy(async () => {
      meterOver(metrics).count('FailedAttempts');
      throw new Error('boom');
    }).use(publishMetrics(metrics));

    await expect(handler({}, {} as never)).rejects.toThrow('boom');
    expect(published).toHaveLength(1);
  });
});
