import { pauseDestination } from '../../../../lambdas/shared/pauses/pause';
import { probeDestination } from '../../../../lambdas/shared/pauses/probe';
import { describeTransmission } from '../../../../lambdas/admin/transmission-detail';
import { setUp } from '../../../fixtures/pause-harness';

describe('probeDestination', () => {
  it('holds the head lease across the whole resume: it is extended after the attempt and before the resume is recorded', async () => {
    const { ports, directory, destination, enqueue, failureOf, advance } = setUp();
    await pauseDestination(destination, failureOf(await enqueue(), 503), ports);
    const steps: string[] = [];
    const holdHead = directory.holdHead.bind(directory);
    directory.holdHead = async (id: string, holder: string) => {
      steps.push('hold');
      return holdHead(id, holder);
    };
    const post = ports.deliverer.post;
    (ports.deliverer as { post: typeof post }).post = async (request) => {
      steps.push('attempt');
      return post(request);
    };
    const recordResume = directory.recordResume.bind(directory);
    directory.recordResume = async (id, alert) => {
      steps.push('record resume');
      return recordResume(id, alert);
    };
    advance(5000);

    expect(await probeDestination((await directory.getDestination(destination.id))!, ports)).toBe('resumed');
    expect(steps.slice(steps.indexOf('attempt'))).toEqual(['attempt', 'hold', 'hold', 'record resume']);
  });

  it('does not resume when the lease ran out during the attempt and another worker took the head: the delivered head stays for it', async () => {
    const { ports, directory, destination, queue, enqueue, failureOf, advance } = setUp();
    await pauseDestination(destination, failureOf(await enqueue(), 503), ports);
    await enqueue();
    const post = ports.deliverer.post;
    (ports.deliverer as { post: typeof post }).post = async (request) => {
      // A slow attempt: the lease ran out, and a skip took the head.
      directory.headHolders.set(destination.id, 'operator skip');
      return post(request);
    };
    advance(5000);

    await expect(probeDestination((await directory.getDestination(destination.id))!, ports)).rejects.toThrow(
      'Lost the head lease',
    );
    expect((await directory.getDestination(destination.id))!.status).toBe('paused');
    // Nothing deleted: the next head is still behind this one, so a skip parks this one, never the next.
    expect(queue).toHaveLength(2);
  });

  it("logs each probe's attempt on the head's transmission: the failed probe, then the delivering one", async () => {
    const { ports, directory, destination, enqueue, failureOf, advance } = setUp([
      { kind: 'answered', status: 502, durationMs: 20, responseExcerpt: 'MARKER bad gateway' },
      { kind: 'answered', status: 202, durationMs: 6, responseExcerpt: 'MARKER queued' },
    ]);
    const head = await enqueue();
    const transmissionId = head.transmissions[0]!.id;
    await pauseDestination(destination, failureOf(head, 503), ports);
    advance(5000);
    expect(await probeDestination((await directory.getDestination(destination.id))!, ports)).toBe('still_paused');
    advance(10_000);
    expect(await probeDestination((await directory.getDestination(destination.id))!, ports)).toBe('resumed');

    const detail = await describeTransmission(transmissionId, ports);

    expect(detail.attemptLog).toEqual([
      {
        at: expect.any(String),
        outcome: 'http_error',
        status: 502,
        durationMs: 20,
        responseExcerpt: 'MARKER bad gateway',
      },
      { at: expect.any(String), outcome: 'delivered', status: 202, durationMs: 6, responseExcerpt: 'MARKER queued' },
    ]);
    expect(Date.parse(detail.attemptLog[0]!.at)).toBeLessThan(Date.parse(detail.attemptLog[1]!.at));
    // Neither a log line nor an alert carries it.
    const logged = JSON.stringify(
      [ports.log.info, ports.log.warn, ports.log.error].map((fn) => (fn as jest.Mock).mock.calls),
    );
    expect(logged).not.toContain('MARKER');
    expect(JSON.stringify(directory.outbox)).not.toContain('MARKER');
  });
  describe('a head still hidden after the pause (handed back with a visibility timeout)', () => {
    const pausedWithHiddenHead = async () => {
      const harness = setUp();
      const { ports, destination, queue, enqueue, failureOf } = harness;
      await pauseDestination(destination, failureOf(await enqueue(), 503), ports);
      queue[0]!.hidden = true;
      return harness;
    };

    it("is waited for by an operator's retry, which then delivers it and resumes", async () => {
      const { ports, directory, destination, queue } = await pausedWithHiddenHead();
      const sleep = ports.sleep;
      let naps = 0;
      (ports as { sleep: typeof sleep }).sleep = async (ms) => {
        naps++;
        if (naps === 3) queue[0]!.hidden = false; // its visibility timeout ran out
        return sleep(ms);
      };

      expect(await probeDestination((await directory.getDestination(destination.id))!, ports, 10_000)).toBe('resumed');
      expect(naps).toBe(3);
      expect(queue).toHaveLength(0);
    });

    it("leaves the prober's retry (no wait) paused, on the next rung", async () => {
      const { ports, directory, destination, queue } = await pausedWithHiddenHead();
      const before = (await directory.getDestination(destination.id)) as { pause: { probeStep: number } };

      expect(await probeDestination((await directory.getDestination(destination.id))!, ports)).toBe('still_paused');
      const after = (await directory.getDestination(destination.id)) as { pause: { probeStep: number } };
      expect(after.pause.probeStep).toBe(before.pause.probeStep + 1);
      expect(queue).toHaveLength(1);
    });

    it('stops waiting at the deadline: still paused, the head untouched', async () => {
      const { ports, directory, destination, queue } = await pausedWithHiddenHead();

      expect(await probeDestination((await directory.getDestination(destination.id))!, ports, 2_000)).toBe(
        'still_paused',
      );
      expect(queue).toHaveLength(1);
      expect(queue[0]!.hidden).toBe(true);
    });
  });
});
