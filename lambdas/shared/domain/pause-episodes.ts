/**
 * The rules that keep alerts from flooding (the contract's "Alerts"): which email, if any, a pause
 * and a resume write, and the pause episode they leave on the destination. Pure: the use cases
 * (`pauses/episode-alerts.ts`, `pauses/resume.ts`) read the destination, decide here, and write the
 * decision in the same transaction as the pause or the resume.
 *
 * One destination, with settling time S, flapping window W and threshold N:
 *
 *   pause ─── resume ── < S ── pause ─── resume ───── S passes ─────► Resumed email sent
 *   └ Paused email           └ continues the episode:  └ Resumed email waits in the outbox
 *                              no email, and the Resumed  (a pause before S withdraws it)
 *                              email of the resume before
 *                              it is withdrawn
 *
 *   When an episode starts, counting it, the episodes started in the last W:
 *     1 … N  → a Paused email; its Resumed email once it settles.
 *     N + 1  → one Unstable email instead, and the destination is unstable from then on.
 *   While unstable, episodes start without any email, until one starts with no other start in the
 *   W before it (a quiet W): that one gets its Paused email, and pairs go again. An episode that
 *   started unannounced still gets its Resumed email when it resumes W or more after it started:
 *   a long outage, not a flap.
 */
import { randomUUID } from 'node:crypto';
import type { OutboxEmail, OutboxEmailKey, Pause, PausedDestination, PauseEpisode } from './model';

/** The alert settings of a deployment (`runtime/config.ts` reads them; docs/operations.md lists them). */
export interface AlertSettings {
  /**
   * How long (s) a resumed destination must stay active before its Resumed email goes; a pause
   * within it continues the episode. @default 300 (the contract's 5 minutes; 10 in local mode)
   */
  readonly settlingSeconds: number;
  /** More episode starts than this within `flappingWindowSeconds` make a destination unstable. @default 3 */
  readonly flappingEpisodes: number;
  /** The rolling window (s) episodes are counted in, and the quiet time that ends unstable. @default 3600 */
  readonly flappingWindowSeconds: number;
}

/** The contract's defaults: a 5-minute settling time; more than 3 episodes in a rolling hour is unstable. */
export const DEFAULT_ALERT_SETTINGS: AlertSettings = {
  settlingSeconds: 300,
  flappingEpisodes: 3,
  flappingWindowSeconds: 3600,
};

/** What a pause does to its destination's episode, and which email it writes. */
export type PauseAlerting =
  /** Within the settling time of the last resume: the same episode, no email; `withdraw` is that resume's Resumed email. */
  | { readonly kind: 'continues'; readonly episode: PauseEpisode; readonly withdraw?: OutboxEmailKey }
  /** A new episode, announced by a Paused email, by the Unstable email, or (unstable) by none. */
  | { readonly kind: 'starts'; readonly episode: PauseEpisode; readonly email: 'paused' | 'unstable' | 'none' };

/** What a resume does to the episode: `announce` says whether its Resumed email is written (due `notBefore`). */
export interface ResumeAlerting {
  readonly episode: PauseEpisode;
  readonly announce: boolean;
  /** When the Resumed email is due: the resume plus the settling time (ISO 8601). */
  readonly notBefore: string;
}

const later = (iso: string, seconds: number) => new Date(Date.parse(iso) + seconds * 1000).toISOString();

/**
 * The episode a pause belongs to and the email it writes, from the episode the destination had
 * (undefined: it never paused, or paused before episodes were kept). The pause's `pausedAt` is now.
 * `settled`: the Resumed email of the last resume is being sent already (its settling time is over
 * by the sender's clock), so the pause starts a new episode whatever this clock says.
 */
export const alertingAtPause = (
  previous: PauseEpisode | undefined,
  pause: Pause,
  settings: AlertSettings,
  settled = false,
): PauseAlerting => {
  const now = Date.parse(pause.pausedAt);
  const resumedAt = previous?.resumedAt;
  if (previous && resumedAt !== undefined && !settled && now < Date.parse(later(resumedAt, settings.settlingSeconds))) {
    const { resumedAt: _resumedAt, pendingResumed, ...episode } = previous;
    return {
      kind: 'continues',
      episode: { ...episode, version: randomUUID(), pauses: previous.pauses + 1 },
      ...(pendingResumed ? { withdraw: pendingResumed } : {}),
    };
  }
  const windowStart = now - settings.flappingWindowSeconds * 1000;
  const earlier = (previous?.recentStarts ?? []).filter((start) => Date.parse(start) > windowStart);
  // N + 1 starts are all the decision needs: the count beyond the threshold, and the latest.
  const recentStarts = [...earlier, pause.pausedAt].slice(-(settings.flappingEpisodes + 1));
  const stillUnstable = previous?.unstableSince !== undefined && earlier.length > 0;
  const email = stillUnstable ? 'none' : recentStarts.length > settings.flappingEpisodes ? 'unstable' : 'paused';
  const unstableSince = email === 'unstable' ? pause.pausedAt : email === 'none' ? previous?.unstableSince : undefined;
  return {
    kind: 'starts',
    email,
    episode: {
      version: randomUUID(),
      startedAt: pause.pausedAt,
      firstReason: pause.reason,
      pauses: 1,
      alertedOrganizationId: pause.alertedOrganizationId,
      announced: email === 'paused',
      recentStarts,
      ...(unstableSince ? { unstableSince } : {}),
    },
  };
};

/** The episode of a pause recorded before episodes were kept: it was announced by its Paused email. */
const episodeOfEarlierPause = (pause: Pause): PauseEpisode => ({
  version: '',
  startedAt: pause.pausedAt,
  firstReason: pause.reason,
  pauses: 1,
  alertedOrganizationId: pause.alertedOrganizationId,
  announced: true,
  recentStarts: [pause.pausedAt],
});

/**
 * The episode a resume at `resumedAt` leaves, and whether its Resumed email is written: when a
 * Paused email announced the episode, or when it has lasted the flapping window or more (an
 * unannounced episode's quiet time is over). The email itself waits out the settling time.
 */
export const alertingAtResume = (
  destination: PausedDestination,
  resumedAt: Date,
  settings: AlertSettings,
): ResumeAlerting => {
  const episode = destination.episode ?? episodeOfEarlierPause(destination.pause);
  const lasted = resumedAt.getTime() - Date.parse(episode.startedAt);
  const { pendingResumed: _pendingResumed, ...rest } = episode;
  return {
    episode: { ...rest, version: randomUUID(), resumedAt: resumedAt.toISOString() },
    announce: episode.announced || lasted >= settings.flappingWindowSeconds * 1000,
    notBefore: later(resumedAt.toISOString(), settings.settlingSeconds),
  };
};

/** The key of an email in the outbox, as an episode keeps it to withdraw it. */
export const outboxEmailKey = (email: OutboxEmail): OutboxEmailKey => ({
  id: email.id,
  createdAt: email.createdAt,
  ...(email.notBefore ? { notBefore: email.notBefore } : {}),
});
