import type { Pause, PausedDestination, PauseEpisode } from '../../../../lambdas/shared/domain/model';
import {
  type AlertSettings,
  alertingAtPause,
  alertingAtResume,
  DEFAULT_ALERT_SETTINGS,
} from '../../../../lambdas/shared/domain/pause-episodes';

const settings: AlertSettings = DEFAULT_ALERT_SETTINGS;
const T0 = Date.parse('2026-03-01T10:00:00.000Z');
const at = (seconds: number) => new Date(T0 + seconds * 1000).toISOString();

const pauseAt = (seconds: number, reason = 'HTTP 503'): Pause => ({
  pausedAt: at(seconds),
  reason,
  fault: 'destination',
  alertedOrganizationId: 'org_lab',
  headTransmissionId: 'trn_1',
  headMessageId: 'msg_1',
  probeStep: 0,
  nextRetryAt: at(seconds + 5),
});

const pausedWith = (pause: Pause, episode?: PauseEpisode): PausedDestination => ({
  id: 'dst_1',
  organizationId: 'org_lab',
  name: 'Lab',
  url: 'https://lab.example/hook',
  timeoutMs: 5000,
  signingSecret: 'whsec_x',
  createdAt: '',
  inlineRetries: 0,
  queueUrl: 'queue',
  queueArn: 'arn',
  mappingId: 'mapping',
  status: 'paused',
  pause,
  ...(episode ? { episode } : {}),
});

/** A pause at `pausedSeconds` and its resume at `resumedSeconds`, from `previous`: the episode left, and the pause's decision. */
const cycle = (previous: PauseEpisode | undefined, pausedSeconds: number, resumedSeconds: number) => {
  const pause = pauseAt(pausedSeconds);
  const paused = alertingAtPause(previous, pause, settings);
  const resumed = alertingAtResume(pausedWith(pause, paused.episode), new Date(at(resumedSeconds)), settings);
  return { paused, resumed, episode: resumed.episode };
};

describe('alertingAtPause', () => {
  it('starts an announced episode on a first pause, remembering its start, reason and alerted organization', () => {
    const alerting = alertingAtPause(undefined, pauseAt(0), settings);

    expect(alerting).toEqual({
      kind: 'starts',
      email: 'paused',
      episode: {
        version: expect.any(String),
        startedAt: at(0),
        firstReason: 'HTTP 503',
        pauses: 1,
        alertedOrganizationId: 'org_lab',
        announced: true,
        recentStarts: [at(0)],
      },
    });
  });

  it('continues the episode for a pause within the settling time of the last resume, withdrawing its Resumed email', () => {
    const first = cycle(undefined, 0, 60).episode;
    const pendingResumed = { id: 'mail_r', createdAt: at(60), notBefore: at(360) };

    const alerting = alertingAtPause({ ...first, pendingResumed }, pauseAt(359, 'timeout'), settings);

    expect(alerting).toEqual({
      kind: 'continues',
      withdraw: pendingResumed,
      episode: {
        version: expect.any(String),
        startedAt: at(0),
        firstReason: 'HTTP 503',
        pauses: 2,
        alertedOrganizationId: 'org_lab',
        announced: true,
        recentStarts: [at(0)],
      },
    });
    expect(alerting.episode.version).not.toBe(first.version);
  });

  it('starts a new episode once the settling time is over (at its very end), or when the Resumed email is being sent already', () => {
    const first = cycle(undefined, 0, 60).episode;

    expect(alertingAtPause(first, pauseAt(360), settings)).toMatchObject({ kind: 'starts', email: 'paused' });
    expect(alertingAtPause(first, pauseAt(100), settings, true)).toMatchObject({
      kind: 'starts',
      email: 'paused',
      episode: { startedAt: at(100), pauses: 1, recentStarts: [at(0), at(100)] },
    });
  });

  it('with no settling time, every pause after a resume starts an episode', () => {
    const noSettling = { ...settings, settlingSeconds: 0 };
    const pause = pauseAt(0);
    const first = alertingAtResume(
      pausedWith(pause, alertingAtPause(undefined, pause, noSettling).episode),
      new Date(at(1)),
      noSettling,
    ).episode;

    expect(alertingAtPause(first, pauseAt(1), noSettling)).toMatchObject({ kind: 'starts', email: 'paused' });
  });

  it('replaces the Paused email of the (N+1)th episode in the window with the Unstable one, then announces nothing while episodes keep starting', () => {
    // Episodes every 10 minutes: 3 announced, the 4th is the Unstable one, the 5th and 6th are quiet.
    let episode: PauseEpisode | undefined;
    const emails: string[] = [];
    for (let n = 0; n < 6; n++) {
      const { paused, resumed } = cycle(episode, n * 600, n * 600 + 30);
      emails.push(paused.kind === 'starts' ? paused.email : 'continued');
      if (n === 3) expect(paused.episode).toMatchObject({ unstableSince: at(1800), announced: false });
      episode = resumed.episode;
    }

    expect(emails).toEqual(['paused', 'paused', 'paused', 'unstable', 'none', 'none']);
    // Only the latest N + 1 starts are kept: enough for the count and the quiet time.
    expect(episode!.recentStarts).toEqual([at(1200), at(1800), at(2400), at(3000)]);
  });

  it('counts only the episodes that started inside the rolling window', () => {
    // Three episodes, then the fourth just over an hour after the first: the first no longer counts.
    let episode: PauseEpisode | undefined;
    for (const start of [0, 600, 1200]) episode = cycle(episode, start, start + 30).episode;

    expect(alertingAtPause(episode, pauseAt(3600), settings)).toMatchObject({
      kind: 'starts',
      email: 'paused',
      episode: { recentStarts: [at(600), at(1200), at(3600)] },
    });
    expect(alertingAtPause(episode, pauseAt(3599), settings)).toMatchObject({ kind: 'starts', email: 'unstable' });
  });

  it('ends unstable once an episode starts a whole window after the one before it: Paused emails go again', () => {
    let episode: PauseEpisode | undefined;
    for (const start of [0, 600, 1200, 1800]) episode = cycle(episode, start, start + 30).episode;
    expect(episode!.unstableSince).toBe(at(1800));

    // 59 minutes after the last start: still unstable (measured from the latest start, not from the Unstable email).
    const stillUnstable = alertingAtPause(episode, pauseAt(1800 + 3599), settings);
    expect(stillUnstable).toMatchObject({ kind: 'starts', email: 'none', episode: { unstableSince: at(1800) } });
    const quiet = alertingAtPause(episode, pauseAt(1800 + 3600), settings);
    expect(quiet).toMatchObject({ kind: 'starts', email: 'paused', episode: { announced: true } });
    expect(quiet.episode.unstableSince).toBeUndefined();
    expect(quiet.episode.recentStarts).toEqual([at(5400)]);
  });
});

describe('alertingAtResume', () => {
  it('announces the end of an announced episode, its email due after the settling time', () => {
    const pause = pauseAt(0);
    const started = alertingAtPause(undefined, pause, settings).episode;

    const resumed = alertingAtResume(pausedWith(pause, started), new Date(at(60)), settings);

    expect(resumed).toEqual({
      announce: true,
      notBefore: at(360),
      episode: { ...started, version: expect.any(String), resumedAt: at(60) },
    });
    expect(resumed.episode.version).not.toBe(started.version);
  });

  it('announces nothing for an episode that started unannounced, unless it lasted the whole window (a long outage)', () => {
    const pause = pauseAt(0);
    const quiet: PauseEpisode = {
      ...alertingAtPause(undefined, pause, settings).episode,
      announced: false,
      unstableSince: at(0),
    };

    expect(alertingAtResume(pausedWith(pause, quiet), new Date(at(3599)), settings).announce).toBe(false);
    expect(alertingAtResume(pausedWith(pause, quiet), new Date(at(3600)), settings).announce).toBe(true);
  });

  it('treats a pause recorded before episodes were kept as an announced episode that started with it', () => {
    const pause = pauseAt(0, 'HTTP 500');

    expect(alertingAtResume(pausedWith(pause), new Date(at(10)), settings)).toEqual({
      announce: true,
      notBefore: at(310),
      episode: {
        version: expect.any(String),
        startedAt: at(0),
        firstReason: 'HTTP 500',
        pauses: 1,
        alertedOrganizationId: 'org_lab',
        announced: true,
        recentStarts: [at(0)],
        resumedAt: at(10),
      },
    });
  });
});
