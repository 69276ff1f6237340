import { flushOutbox } from '../../../../lambdas/shared/pauses/alert-outbox';
import { pauseDestination } from '../../../../lambdas/shared/pauses/pause';
import type { MemoryDirectory } from '../../../fixtures/memory-store';
import { setUp } from '../../../fixtures/pause-harness';

describe('flushOutbox', () => {
  it('keeps an alert SES refused in the outbox and sends it on a later pass, without blocking the pause', async () => {
    const { ports, directory, destination, sent, meter, enqueue, failureOf, setMailerDown, advance } = setUp();
    setMailerDown(true);

    await pauseDestination(destination, failureOf(await enqueue(), 500), ports);

    expect((await directory.getDestination(destination.id))!.status).toBe('paused');
    expect(sent).toEqual([]);
    // Claimed by the failed attempt: not tried again until the claim runs out.
    expect(await flushOutbox(ports)).toEqual({ sent: 0, failed: 0 });
    advance(60_000);
    expect(await flushOutbox(ports)).toEqual({ sent: 0, failed: 1 });
    setMailerDown(false);
    advance(60_000);
    expect(await flushOutbox(ports)).toEqual({ sent: 1, failed: 0 });
    expect(await flushOutbox(ports)).toEqual({ sent: 0, failed: 0 });
    expect(sent).toHaveLength(1);
    expect(meter.total('AlertSendFailures')).toBe(2);
  });

  it('logs and counts, never throws, when the store fails: the emails stay in the outbox for the next flush', async () => {
    const { ports, destination, sent, enqueue, failureOf, directory, meter } = setUp();
    await pauseDestination(destination, failureOf(await enqueue(), 500), ports);
    sent.length = 0;
    directory.outbox.push({
      id: 'due',
      to: 'lab@example.org',
      subject: 'due',
      body: '',
      destinationId: destination.id,
      createdAt: '',
    });
    const claim = jest
      .spyOn(ports.outbox, 'claim')
      .mockRejectedValueOnce(
        Object.assign(new Error('We currently do not have sufficient capacity'), { name: 'InternalServerError' }),
      );

    expect(await flushOutbox(ports)).toEqual({ sent: 0, failed: 1 });
    expect(sent).toEqual([]);
    expect(ports.log.error).toHaveBeenCalledWith(
      'Alert outbox not flushed; its emails stay for the next flush',
      expect.objectContaining({ errorName: 'InternalServerError' }),
    );

    expect(meter.total('AlertSendFailures')).toBe(1);

    claim.mockRestore();
    expect(await flushOutbox(ports)).toEqual({ sent: 1, failed: 0 });
    expect(sent).toEqual([{ to: 'lab@example.org', subject: 'due' }]);
  });

  it('sends an alert once when two flushes race for it', async () => {
    const { ports, destination, sent, enqueue, failureOf } = setUp();
    await pauseDestination(destination, failureOf(await enqueue(), 500), ports);
    sent.length = 0;
    const directory = ports.directory as MemoryDirectory;
    directory.outbox.push({
      id: 'racing',
      to: 'lab@example.org',
      subject: 'race',
      body: '',
      destinationId: destination.id,
      createdAt: '',
    });

    await Promise.all([flushOutbox(ports), flushOutbox(ports)]);

    expect(sent).toEqual([{ to: 'lab@example.org', subject: 'race' }]);
  });
});
