import { replayTransmission, resumeNow, skipHead } from '../../../lambdas/admin/operator-controls';
import { decodeEnvelopeHeader } from '../../../lambdas/shared/domain/envelope';
import type { Message } from '../../../lambdas/shared/domain/model';
import { alertingAtResume } from '../../../lambdas/shared/domain/pause-episodes';
import { activeDestination, type AdminFixture, adminPorts, enqueue, pauseOn } from './admin-ports';

/** Prepare: a destination paused on the first of two queued messages. */
const pausedOnFirstOfTwo = async (fixture: AdminFixture = adminPorts()) => {
  const destination = await activeDestination(fixture);
  const first = await enqueue(fixture, destination);
  const second = await enqueue(fixture, destination);
  const paused = await pauseOn(fixture, destination, first);
  return { ...fixture, destination: paused, first, second, queue: () => fixture.queues.entries(destination.queueUrl) };
};

const statusOf = async ({ messages }: AdminFixture, message: Message) => {
  const stored = await messages.getMessage(message.id);
  return stored === 'abandoned' ? stored : stored?.transmissions[0]?.status;
};

/** Moves every queue entry of the destination into its spill, in order, as a long pause does. */
const spillEverything = async (fixture: Awaited<ReturnType<typeof pausedOnFirstOfTwo>>) => {
  for (const entry of [...fixture.queue()]) {
    await fixture.ports.spill.keep(fixture.destination.id, {
      position: entry.position,
      sentAt: entry.sentAt,
      body: entry.body,
    });
    await fixture.queues.delete(fixture.destination.queueUrl, entry.receiptHandle);
  }
};

describe('resumeNow', () => {
  it('retries the head now and resumes the destination when it is delivered', async () => {
    const fixture = await pausedOnFirstOfTwo();
    const { ports, destination, first, second, posted, mappings, sent } = fixture;

    const answer = await resumeNow(destination.id, ports);

    expect(answer).toMatchObject({ id: destination.id, status: 'active', queueDepth: 1 });
    expect(posted).toEqual([first.header.transmissionId]);
    expect(fixture.queue().map((entry) => entry.body)).toEqual([second.body]);
    expect(mappings.mappings.get(destination.mappingId)).toMatchObject({ enabled: true });
    expect(sent).toEqual(['[Conveyor] Paused: Lab results', '[Conveyor] Resumed: Lab results']);
  });

  it('stays paused on the next rung of the ladder when the head fails again, the head kept first', async () => {
    const fixture = await pausedOnFirstOfTwo(adminPorts([{ kind: 'answered', status: 503, durationMs: 1 }]));
    const { ports, destination, first, clock } = fixture;

    const answer = await resumeNow(destination.id, ports);

    expect(answer).toMatchObject({
      status: 'paused',
      pauseReason: 'HTTP 503',
      headTransmissionId: first.header.transmissionId,
      nextRetryAt: new Date(clock().getTime() + 10_000).toISOString(),
    });
    expect(fixture.queue()[0]).toMatchObject({ body: first.body, hidden: false });
  });

  it('changes nothing on an active destination', async () => {
    const fixture = adminPorts();
    const destination = await activeDestination(fixture);
    await enqueue(fixture, destination);

    expect(await resumeNow(destination.id, fixture.ports)).toMatchObject({ status: 'active', queueDepth: 1 });
    expect(fixture.posted).toEqual([]);
    expect(fixture.mappings.calls).toEqual(['create mapping-1']);
  });

  it('answers 404 for an unknown destination', async () => {
    await expect(resumeNow('dst_01JZZZZZZZZZZZZZZZZZZZZZZZ', adminPorts().ports)).rejects.toMatchObject({
      statusCode: 404,
      code: 'destination_not_found',
    });
  });
});

describe('skipHead', () => {
  it('parks the head the pause names, marks it skipped, removes it from the queue and resumes', async () => {
    const fixture = await pausedOnFirstOfTwo();
    const { ports, destination, first, second, messages, meter, posted } = fixture;

    const answer = await skipHead(destination.id, ports);

    expect(answer).toEqual({ skippedTransmissionId: first.header.transmissionId });
    expect(messages.parked.get(first.header.transmissionId)).toEqual({
      destinationId: destination.id,
      envelope: first.body,
    });
    expect(await statusOf(fixture, first.message)).toBe('skipped');
    expect(fixture.queue().map((entry) => entry.body)).toEqual([second.body]);
    expect((await fixture.directory.getDestination(destination.id))!.status).toBe('active');
    expect(meter.total('Skips')).toBe(1);
    expect(posted).toEqual([]);
  });

  it('never parks a head other than the one the pause names: it puts it back and answers 409 head_changed', async () => {
    // The prober delivered the head, then its resume was slow enough for its lease to run out:
    // the next message, which never failed, is now first in the queue of a destination still paused.
    const fixture = await pausedOnFirstOfTwo();
    const { ports, destination, first, second, messages, meter } = fixture;
    await fixture.queues.delete(destination.queueUrl, fixture.queue()[0]!.receiptHandle);

    await expect(skipHead(destination.id, ports)).rejects.toMatchObject({ statusCode: 409, code: 'head_changed' });

    expect(fixture.queue()).toEqual([expect.objectContaining({ body: second.body, hidden: false })]);
    expect(messages.parked.size).toBe(0);
    expect(await statusOf(fixture, second.message)).toBe('queued');
    expect((await fixture.directory.getDestination(destination.id))!).toMatchObject({
      status: 'paused',
      pause: { headTransmissionId: first.header.transmissionId },
    });
    expect(meter.total('Skips')).toBe(0);
  });

  it('waits while a worker holds the head (the injected sleep), then skips it', async () => {
    const fixture = await pausedOnFirstOfTwo();
    const { ports, destination, first, directory, slept, hooks } = fixture;
    directory.headHolders.set(destination.id, 'prober');
    hooks.onSleep = () => {
      if (slept.length === 3) directory.headHolders.delete(destination.id);
    };

    expect(await skipHead(destination.id, ports)).toEqual({ skippedTransmissionId: first.header.transmissionId });
    expect(slept).toEqual([250, 250, 250]);
  });

  it('answers 409 head_in_flight once a worker held the head for the timeout + 3 s, measured by the injected clock', async () => {
    const fixture = await pausedOnFirstOfTwo();
    const { ports, destination, first, directory, slept, messages } = fixture;
    directory.headHolders.set(destination.id, 'prober');

    await expect(skipHead(destination.id, ports)).rejects.toMatchObject({ statusCode: 409, code: 'head_in_flight' });

    // 5 s timeout + 3 s: the 33rd wait of 250 ms takes the clock past the deadline.
    expect(slept).toEqual(Array.from({ length: 33 }, () => 250));
    expect(messages.parked.size).toBe(0);
    expect(fixture.queue()[0]).toMatchObject({ body: first.body, hidden: false });
  });

  it('waits for a head the last probe left hidden, then skips it', async () => {
    const fixture = await pausedOnFirstOfTwo();
    const { ports, destination, first, slept, hooks } = fixture;
    fixture.queue()[0]!.hidden = true;
    hooks.onSleep = () => {
      if (slept.length === 2) fixture.queue()[0]!.hidden = false;
    };

    expect(await skipHead(destination.id, ports)).toEqual({ skippedTransmissionId: first.header.transmissionId });
    expect(slept).toEqual([250, 250]);
  });

  it('answers 409 head_in_flight when no head shows before the deadline', async () => {
    const fixture = await pausedOnFirstOfTwo();
    const { ports, destination, slept, messages } = fixture;
    fixture.queue()[0]!.hidden = true;

    await expect(skipHead(destination.id, ports)).rejects.toMatchObject({ statusCode: 409, code: 'head_in_flight' });

    expect(slept.reduce((sum, ms) => sum + ms, 0)).toBe(8000);
    expect(messages.parked.size).toBe(0);
    expect((await fixture.directory.getDestination(destination.id))!.status).toBe('paused');
  });

  it('answers 409 not_paused for an active destination', async () => {
    const fixture = adminPorts();
    const destination = await activeDestination(fixture);

    await expect(skipHead(destination.id, fixture.ports)).rejects.toMatchObject({
      statusCode: 409,
      code: 'not_paused',
    });
  });

  it('answers 409 not_paused, skipping nothing, when the destination resumed while the skip waited', async () => {
    const fixture = await pausedOnFirstOfTwo();
    const { ports, destination, directory, hooks, messages } = fixture;
    directory.headHolders.set(destination.id, 'prober');
    hooks.onSleep = async () => {
      // Another worker's resume, as `resumeDestination` records it.
      const paused = (await directory.getDestination(destination.id))!;
      if (paused.status !== 'paused') throw new Error('expected the destination paused');
      await directory.recordResume(destination.id, {
        episode: alertingAtResume(paused, new Date(), ports.alerting).episode,
      });
      directory.headHolders.delete(destination.id);
    };

    await expect(skipHead(destination.id, ports)).rejects.toMatchObject({
      statusCode: 409,
      code: 'not_paused',
      message: expect.stringContaining('resumed while the skip waited'),
    });
    expect(messages.parked.size).toBe(0);
  });

  it('answers 409 cannot_park when the head cannot be kept: nothing changes and the head goes back', async () => {
    const fixture = await pausedOnFirstOfTwo();
    const { ports, destination, first, messages } = fixture;
    jest.spyOn(messages, 'park').mockRejectedValue(new Error('Item size has exceeded the maximum allowed size'));

    await expect(skipHead(destination.id, ports)).rejects.toMatchObject({ statusCode: 409, code: 'cannot_park' });

    expect(fixture.queue()[0]).toMatchObject({ body: first.body, hidden: false });
    expect(await statusOf(fixture, first.message)).toBe('queued');
    expect((await fixture.directory.getDestination(destination.id))!.status).toBe('paused');
  });

  it("parks the spill's first entry during a long pause and asks the prober to deliver the rest now", async () => {
    const fixture = await pausedOnFirstOfTwo();
    const { ports, destination, first, second, clock } = fixture;
    await spillEverything(fixture);

    expect(await skipHead(destination.id, ports)).toEqual({ skippedTransmissionId: first.header.transmissionId });

    expect((await ports.spill.first(destination.id))!.body).toBe(second.body);
    expect(await statusOf(fixture, first.message)).toBe('skipped');
    // Still paused: the prober delivers the rest of the spill first, then resumes.
    expect((await fixture.directory.getDestination(destination.id))!).toMatchObject({
      status: 'paused',
      spilled: 1,
      pause: { probeStep: 0, nextRetryAt: clock().toISOString() },
    });
  });

  it('never parks a spilled entry other than the head the pause names (409 head_changed)', async () => {
    const fixture = await pausedOnFirstOfTwo();
    const { ports, destination, second, messages } = fixture;
    await fixture.queues.delete(destination.queueUrl, fixture.queue()[0]!.receiptHandle);
    await spillEverything(fixture);

    await expect(skipHead(destination.id, ports)).rejects.toMatchObject({ statusCode: 409, code: 'head_changed' });

    expect((await ports.spill.first(destination.id))!.body).toBe(second.body);
    expect(messages.parked.size).toBe(0);
    expect(await statusOf(fixture, second.message)).toBe('queued');
  });
});

describe('replayTransmission', () => {
  /** Prepare: the first of two messages skipped, a third queued after the resume. */
  const skippedThenMore = async () => {
    const fixture = await pausedOnFirstOfTwo();
    await skipHead(fixture.destination.id, fixture.ports);
    const third = await enqueue(fixture, fixture.destination);
    return { ...fixture, third };
  };

  it('enqueues a skipped transmission again at the tail, same transmission id, next generation', async () => {
    const fixture = await skippedThenMore();
    const { ports, destination, first, second, third, meter } = fixture;

    const answer = await replayTransmission(first.header.transmissionId, ports);

    expect(answer).toEqual({
      transmissionId: first.header.transmissionId,
      destinationId: destination.id,
      status: 'queued',
    });
    const bodies = fixture.queue().map((entry) => entry.body);
    expect(bodies.slice(0, 2)).toEqual([second.body, third.body]);
    expect(decodeEnvelopeHeader(bodies[2]!)).toMatchObject({
      transmissionId: first.header.transmissionId,
      generation: 1,
    });
    expect(await statusOf(fixture, first.message)).toBe('queued');
    expect(meter.total('Replays')).toBe(1);
  });

  it('answers 409 not_replayable for a transmission that was not skipped', async () => {
    const { ports, second } = await skippedThenMore();

    await expect(replayTransmission(second.header.transmissionId, ports)).rejects.toMatchObject({
      statusCode: 409,
      code: 'not_replayable',
    });
  });

  it('answers 404 for an unknown transmission', async () => {
    await expect(replayTransmission('trn_nothing', adminPorts().ports)).rejects.toMatchObject({
      statusCode: 404,
      code: 'transmission_not_found',
    });
  });

  it('answers 503 not_accepted when the queue does not confirm, and the transmission stays skipped', async () => {
    const fixture = await skippedThenMore();
    const { ports, first, queues } = fixture;
    jest.spyOn(queues, 'send').mockRejectedValue(new Error('SQS unavailable'));

    await expect(replayTransmission(first.header.transmissionId, ports)).rejects.toMatchObject({
      statusCode: 503,
      code: 'not_accepted',
    });

    expect(await statusOf(fixture, first.message)).toBe('skipped');
    expect(fixture.queue()).toHaveLength(2);
  });
});
