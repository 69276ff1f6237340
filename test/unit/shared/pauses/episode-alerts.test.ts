/**
 * Alerts that do not flood, over the memory ports: a Resumed email waits out the settling time in
 * the outbox, a pause within it continues the episode, a destination that flaps gets one Unstable
 * email, and pairs go again after a quiet hour. The clock moves only when the test says.
 */
import type { ActiveDestination, PausedDestination } from '../../../../lambdas/shared/domain/model';
import type { AlertSettings } from '../../../../lambdas/shared/domain/pause-episodes';
import { flushOutbox } from '../../../../lambdas/shared/pauses/alert-outbox';
import { pauseDestination } from '../../../../lambdas/shared/pauses/pause';
import { resumeDestination } from '../../../../lambdas/shared/pauses/resume';
import { setUp } from '../../../fixtures/pause-harness';

/** The contract's defaults: 5 minutes' settling, more than 3 episodes in a rolling hour is unstable. */
const SETTINGS: AlertSettings = { settlingSeconds: 300, flappingEpisodes: 3, flappingWindowSeconds: 3600 };
const MINUTE = 60_000;
const keepHeld = async () => undefined;

const world = () => {
  const harness = setUp([], { alerting: SETTINGS });
  const { ports, directory, destination, enqueue, failureOf } = harness;
  const current = async () => (await directory.getDestination(destination.id))!;
  /** The destination's head fails for good: it pauses (with the destination as delivery last read it). */
  const pause = async (asRead?: ActiveDestination) =>
    pauseDestination(asRead ?? ((await current()) as ActiveDestination), failureOf(await enqueue(), 503), ports);
  /** A probe of the head succeeds (or an operator skips it): it resumes. */
  const resume = async () => {
    expect(await resumeDestination((await current()) as PausedDestination, 'test', ports, keepHeld)).toBe(true);
  };
  /** A prober pass's first step. */
  const flush = () => flushOutbox(ports);
  /** The kinds of email sent so far, in order: 'Paused', 'Resumed', 'Unstable'. */
  const kinds = () => harness.sent.map((email) => /^\[Conveyor\] (\w+):/.exec(email.subject)![1]);
  const waiting = () => directory.outbox.map((email) => /^\[Conveyor\] (\w+):/.exec(email.subject)![1]);
  /** One whole episode that settles: pause, resumed a minute later, active past the settling time, a pass. */
  const settledEpisode = async () => {
    await pause();
    harness.advance(MINUTE);
    await resume();
    harness.advance(SETTINGS.settlingSeconds * 1000);
    await flush();
    harness.advance(MINUTE);
  };
  return { ...harness, current, pause, resume, flush, kinds, waiting, settledEpisode };
};

describe('alerts of pause episodes', () => {
  it('sends one Resumed email once the destination has stayed active for the settling time, not before', async () => {
    const { pause, resume, flush, advance, kinds, waiting, sent } = world();
    await pause();
    advance(MINUTE);
    await resume();
    expect(kinds()).toEqual(['Paused']);
    expect(waiting()).toEqual(['Resumed']);

    advance(SETTINGS.settlingSeconds * 1000 - 1);
    expect(await flush()).toEqual({ sent: 0, failed: 0 });
    advance(1);
    expect(await flush()).toEqual({ sent: 1, failed: 0 });
    expect(await flush()).toEqual({ sent: 0, failed: 0 });

    expect(kinds()).toEqual(['Paused', 'Resumed']);
    expect(sent.map((email) => email.to)).toEqual(['lab@example.org', 'lab@example.org']);
    expect(waiting()).toEqual([]);
  });

  it('continues the episode for a pause within the settling time: no new Paused email, the Resumed one withdrawn, one Resumed for the whole episode', async () => {
    const { pause, resume, flush, advance, kinds, waiting, current } = world();
    await pause();
    const startedAt = (await current()).pause!.pausedAt;
    advance(MINUTE);
    await resume();
    advance(4 * MINUTE);
    await flush();

    await pause();
    expect(kinds()).toEqual(['Paused']);
    expect(waiting()).toEqual([]);
    const paused = (await current()) as PausedDestination;
    expect(paused.episode).toMatchObject({ startedAt, pauses: 2 });
    // The pause itself is this one (its mapping work and probes are its own).
    expect(paused.pause!.pausedAt).not.toBe(startedAt);

    // Past the first resume's settling time, still paused: nothing.
    advance(10 * MINUTE);
    await flush();
    expect(kinds()).toEqual(['Paused']);

    await resume();
    advance(SETTINGS.settlingSeconds * 1000);
    await flush();
    expect(kinds()).toEqual(['Paused', 'Resumed']);
    expect(waiting()).toEqual([]);
  });

  it('names the first pause and counts the pauses of a continued episode in its Resumed email', async () => {
    const harness = world();
    const bodies: string[] = [];
    const send = harness.ports.mailer.send;
    (harness.ports.mailer as { send: typeof send }).send = async (email) => {
      bodies.push(email.body);
      return send(email);
    };
    await harness.pause();
    const startedAt = (await harness.current()).pause!.pausedAt;
    for (let n = 0; n < 3; n++) {
      harness.advance(MINUTE);
      await harness.resume();
      harness.advance(MINUTE);
      await harness.pause();
    }
    harness.advance(MINUTE);
    await harness.resume();
    harness.advance(SETTINGS.settlingSeconds * 1000);
    await harness.flush();

    expect(harness.kinds()).toEqual(['Paused', 'Resumed']);
    expect(bodies[1]).toContain(`Paused at: ${startedAt} (HTTP 503)`);
    expect(bodies[1]).toContain('Pauses in this episode: 4');
    expect(bodies[1]).toContain('stayed\nactive for 5 minutes since');
  });

  it('sends exactly one Unstable email instead of the Paused email of the 4th episode in an hour, and no more pairs while it flaps', async () => {
    const harness = world();
    const bodies: string[] = [];
    const send = harness.ports.mailer.send;
    (harness.ports.mailer as { send: typeof send }).send = async (email) => {
      bodies.push(email.body);
      return send(email);
    };
    for (let n = 0; n < 3; n++) await harness.settledEpisode();
    expect(harness.kinds()).toEqual(['Paused', 'Resumed', 'Paused', 'Resumed', 'Paused', 'Resumed']);

    // Episodes 4 to 8, each settling (7 minutes apart): within the hour of the one before.
    for (let n = 0; n < 5; n++) await harness.settledEpisode();

    expect(harness.kinds()).toEqual(['Paused', 'Resumed', 'Paused', 'Resumed', 'Paused', 'Resumed', 'Unstable']);
    expect(harness.sent.at(-1)).toEqual({ to: 'lab@example.org', subject: '[Conveyor] Unstable: Lab results' });
    const unstable = bodies.at(-1)!;
    expect(unstable).toContain('4 pause episodes started in the last 60 minutes (more than 3)');
    expect(unstable).toContain('Last reason: HTTP 503');
    expect(unstable).toContain(`(${harness.destination.id})`);
    expect(harness.waiting()).toEqual([]);
  });

  it('sends pairs again once an hour passes without a new episode', async () => {
    const harness = world();
    for (let n = 0; n < 5; n++) await harness.settledEpisode();
    expect(harness.kinds().filter((kind) => kind === 'Unstable')).toHaveLength(1);
    const before = harness.kinds().length;

    // 59 minutes since the last episode started (the quiet time counts from it): still unstable.
    harness.advance(59 * MINUTE - 7 * MINUTE);
    await harness.settledEpisode();
    expect(harness.kinds()).toHaveLength(before);

    harness.advance(60 * MINUTE);
    await harness.settledEpisode();
    expect(harness.kinds().slice(before)).toEqual(['Paused', 'Resumed']);
  });

  it('still sends the Resumed email of an unannounced episode that lasted an hour or more: an outage, not a flap', async () => {
    const harness = world();
    for (let n = 0; n < 4; n++) await harness.settledEpisode();
    const before = harness.kinds().length;

    await harness.pause();
    harness.advance(61 * MINUTE);
    await harness.resume();
    harness.advance(SETTINGS.settlingSeconds * 1000);
    await harness.flush();

    expect(harness.kinds().slice(before)).toEqual(['Resumed']);
  });

  it('loses no Resumed email when the process dies after the resume was recorded: a later pass sends it once due', async () => {
    const { ports, pause, resume, flush, advance, kinds, waiting } = world();
    const messages = ports.messages as { setTransmissionStatus: typeof ports.messages.setTransmissionStatus };
    await pause();
    advance(MINUTE);
    // The process dies right after the resume's write (before it marks the head queued and flushes).
    const setTransmissionStatus = messages.setTransmissionStatus.bind(messages);
    messages.setTransmissionStatus = async () => {
      throw new Error('killed');
    };
    await expect(resume()).rejects.toThrow('killed');
    messages.setTransmissionStatus = setTransmissionStatus;
    expect(waiting()).toEqual(['Resumed']);

    advance(SETTINGS.settlingSeconds * 1000);
    // A sender that dies after its claim, before SES answered: the claim runs out, the next pass sends it.
    const send = ports.mailer.send;
    (ports.mailer as { send: typeof send }).send = async () => {
      throw new Error('killed');
    };
    expect(await flush()).toEqual({ sent: 0, failed: 1 });
    (ports.mailer as { send: typeof send }).send = send;
    expect(await flush()).toEqual({ sent: 0, failed: 0 });
    advance(MINUTE);
    expect(await flush()).toEqual({ sent: 1, failed: 0 });

    expect(kinds()).toEqual(['Paused', 'Resumed']);
  });

  it('starts a new episode when the Resumed email it would withdraw is already claimed by a sender (the sender’s clock says it settled)', async () => {
    const { ports, pause, resume, advance, kinds, directory, current, flush } = world();
    await pause();
    advance(MINUTE);
    await resume();
    advance(SETTINGS.settlingSeconds * 1000 - 1);
    // A sender, its clock a millisecond ahead, claimed the Resumed email and is sending it.
    const [resumed] = directory.outbox;
    directory.claimedEmails.add(resumed!.id);

    await pause();

    // A new episode, with its Paused email; the claimed Resumed email stays with its sender.
    expect(((await current()) as PausedDestination).episode).toMatchObject({
      pauses: 1,
      recentStarts: [expect.any(String), expect.any(String)],
    });
    expect(kinds()).toEqual(['Paused', 'Paused']);
    expect(directory.outbox.map((email) => email.id)).toEqual([resumed!.id]);
    await ports.mailer.send(resumed!);
    await ports.outbox.remove(resumed!);
    await flush();
    expect(kinds()).toEqual(['Paused', 'Paused', 'Resumed']);
  });

  it('decides again when the episode changed after delivery read the destination (a pause and a resume in between)', async () => {
    const { pause, resume, advance, kinds, waiting, current, flush } = world();
    await pause();
    advance(MINUTE);
    await resume();
    advance(10 * MINUTE);
    await flush();
    const asDeliveryReadIt = (await current()) as ActiveDestination;
    // Meanwhile another pause (a new episode) and its resume.
    await pause();
    advance(MINUTE);
    await resume();
    advance(MINUTE);

    await pause(asDeliveryReadIt);

    // Within the settling time of the latest resume: that episode continues, its Resumed email withdrawn.
    expect(kinds()).toEqual(['Paused', 'Resumed', 'Paused']);
    expect(waiting()).toEqual([]);
    expect(((await current()) as PausedDestination).episode).toMatchObject({ pauses: 2 });
  });

  it('drops a waiting Resumed email whose destination was deleted before it was due', async () => {
    const { pause, resume, advance, kinds, waiting, directory, destination, flush } = world();
    await pause();
    advance(MINUTE);
    await resume();
    const active = (await directory.getDestination(destination.id)) as ActiveDestination;
    directory.destinations.set(destination.id, {
      ...active,
      status: 'deleting',
      deletingAt: new Date().toISOString(),
      forced: false,
    });

    advance(SETTINGS.settlingSeconds * 1000);
    expect(await flush()).toEqual({ sent: 0, failed: 0 });

    expect(kinds()).toEqual(['Paused']);
    expect(waiting()).toEqual([]);
  });
});
