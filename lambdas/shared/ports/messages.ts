/** The message-store port: messages, transmissions, idempotency records, parked entries and arrival logs. */
import type { AcceptedMessage, Arrival, Message, RecordedAttempt, TransmissionStatus } from '../domain/model';

export type IdempotencyClaim =
  | { readonly outcome: 'claimed' }
  | { readonly outcome: 'answered'; readonly requestHash: string; readonly answer: AcceptedMessage }
  | { readonly outcome: 'in_progress' };

export interface IdempotencyRequest {
  readonly sourceId: string;
  readonly key: string;
  readonly requestHash: string;
  readonly messageId: string;
  /** How long the claim holds off a concurrent retry with the same key. */
  readonly leaseMs: number;
}

/** Messages, their transmissions, idempotency records and each destination's delivery log. */
export interface MessageStore {
  claimIdempotencyKey(request: IdempotencyRequest): Promise<IdempotencyClaim>;
  releaseIdempotencyKey(request: IdempotencyRequest): Promise<void>;
  /**
   * Records an acknowledged message (and the answer for its idempotency key). Throws
   * `MessageAbandonedError` when delivery already gave the message up for lost.
   */
  commitMessage(
    message: Message,
    idempotency?: { request: IdempotencyRequest; answer: AcceptedMessage },
  ): Promise<void>;
  /**
   * Marks a never-committed message as abandoned so its queued copies are dropped, not delivered.
   * Returns false when the message was committed after all.
   */
  abandonMessage(messageId: string): Promise<boolean>;
  getMessage(messageId: string): Promise<Message | 'abandoned' | undefined>;
  /** Several messages in one round trip (strongly consistent); ids not found are absent from the map. */
  getMessages(messageIds: readonly string[]): Promise<Map<string, Message | 'abandoned'>>;
  /**
   * The sequence number of a delivery: the next one on its first attempt, the same on a retry.
   * `reservationKey` names the attempt series (a replay is a new series, with a new number).
   * With a new number, the destination also records `headSentAt`, when the entry delivered was
   * enqueued: no entry still in its queue is older (the backlog-age pass reads it, see `DeliveryHeads`).
   * With `pacing` (a destination with `maxPerSecond`), the same write also gives the delivery its
   * start (`postAt`): at least `intervalMs` after the previous delivery's start, never before `now`;
   * a retry gets the same start back.
   *
   * A reservation whose delivery was made already and recorded only on the destination (folded
   * into the next reservation by `foldArrival`, its own records not yet written when the
   * invocation ended) reserves nothing: it answers that number with `arrived`, the arrival to write
   * (with `recordArrival`, as a repair) before the entry is dropped.
   */
  reserveSequence(
    destinationId: string,
    reservationKey: string,
    headSentAt: string,
    pacing?: Pacing,
  ): Promise<Reservation>;
  /**
   * One write between two deliveries: records on the destination that `previous` arrived (the
   * delivery whose reservation, `previous.reservationKey`, holds the destination's latest number)
   * and reserves the next number for `reservationKey`, recording `headSentAt` as
   * `reserveSequence` does. The destination keeps that last arrival until the next fold, so a
   * delivery whose own records (`recordArrival`) were never written is found by its reservation
   * (`Reservation.arrived`). Not for paced destinations (`maxPerSecond`): no start is given.
   * Answers undefined, writing nothing, when `previous` no longer holds the latest number or
   * `reservationKey` is its own; its arrival must then be recorded with `recordArrival` before
   * anything else is reserved.
   * Safe to repeat: an applied fold found again answers its reservation.
   * @throws Error when the destination does not exist; the store's error when it fails (the fold
   *   may or may not be applied: record `previous` with `recordArrival` either way)
   */
  foldArrival(
    previous: Arrival & { readonly destinationId: string; readonly reservationKey: string },
    reservationKey: string,
    headSentAt: string,
  ): Promise<Reservation | undefined>;
  /** Sets a transmission's status (`from` guards against overwriting a later state). */
  setTransmissionStatus(
    messageId: string,
    transmissionId: string,
    status: TransmissionStatus,
    from: readonly TransmissionStatus[],
  ): Promise<boolean>;
  /** Keeps a skipped transmission's queue entry so it can be replayed. */
  park(transmissionId: string, destinationId: string, envelope: string): Promise<void>;
  getParked(transmissionId: string): Promise<{ destinationId: string; envelope: string } | undefined>;
  removeParked(transmissionId: string): Promise<void>;
  /** Makes a skipped transmission queued again with the next generation; returns that generation. */
  prepareReplay(messageId: string, transmissionId: string): Promise<number | undefined>;
  /**
   * Counts a failed attempt, keeps its `error` as the transmission's `lastError`, and adds
   * `attempt` to its attempt log, all in one write. Keyed by the attempt's number: recording the
   * same attempt again (a retry of a write whose answer was lost) neither counts nor logs it twice.
   */
  recordFailedAttempt(
    messageId: string,
    transmissionId: string,
    error: string,
    attempt: RecordedAttempt,
  ): Promise<void>;
  /**
   * Records a delivery: the arrival-log entry (with the delivering attempt's status, duration and
   * excerpt when the arrival carries them) and the transmission delivered. `settled`: every
   * transmission of the message is delivered now (as this write left the message), so nothing
   * will read its payload from the payload store again (a skipped one may be replayed, a queued or
   * paused one is still to come). Several deliveries of one message may each see it settled.
   * `keepExisting`: an arrival-log entry already there is left as it is (a repair from what a fold
   * kept on the destination, which lacks the answer's excerpt the delivery may have stored).
   * `generation`: the one delivered (0, or n after n replays; 0 when absent), which the store
   * keeps with the transmission's state.
   */
  recordArrival(
    arrival: Arrival & { destinationId: string },
    options?: { readonly keepExisting?: boolean; readonly generation?: number },
  ): Promise<{ readonly settled: boolean }>;
  /**
   * The last `limit` failed attempts of a transmission, oldest first (its attempt log without the
   * delivering attempt, which its arrival holds: see `getArrival`).
   */
  listFailedAttempts(messageId: string, transmissionId: string, limit: number): Promise<RecordedAttempt[]>;
  /** The arrival-log entry of a destination's delivery number `sequence`; undefined when there is none. */
  getArrival(destinationId: string, sequence: number): Promise<Arrival | undefined>;
  listArrivals(destinationId: string, limit: number, cursor?: string): Promise<{ items: Arrival[]; cursor?: string }>;
}

/** Thrown by `commitMessage` when the message was abandoned before it could be committed. */
export class MessageAbandonedError extends Error {
  constructor(messageId: string) {
    super(`Message ${messageId} was abandoned before it was committed`);
    this.name = 'MessageAbandonedError';
  }
}

/** How far apart (ms) a destination's deliveries start, and the time (ms since the epoch) of this reservation. */
export interface Pacing {
  /** 1000 / the destination's `maxPerSecond`. */
  readonly intervalMs: number;
  readonly now: number;
}

/** A delivery's sequence number and, when paced, the earliest time (ms since the epoch) its POST may start. */
export interface Reservation {
  readonly sequence: number;
  readonly postAt?: number;
  /**
   * The reservation's delivery arrived already, recorded only on the destination by a fold
   * (`foldArrival`): its arrival (without the answer's excerpt), to record before the entry is
   * dropped. Nothing was reserved.
   */
  readonly arrived?: Arrival;
}
