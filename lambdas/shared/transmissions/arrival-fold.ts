/**
 * One storage write between two deliveries of a batch. Delivery k must be recorded before k+1 is
 * posted (a crash may repeat k+1, never lose k's arrival or reorder): instead of writing k's
 * arrival and then reserving k+1's sequence number (two round trips in a row), k's arrival is
 * folded into k+1's reservation on the destination's item (one conditional update), and k's own
 * records (its arrival-log entry, its transmission's status) are written while k+1 is posted.
 *
 *     POST k ─2xx─▶ fold(k arrived, reserve k+1) ─▶ POST k+1 ─2xx─▶ fold(k+1 arrived, reserve k+2) ─▶ …
 *                                └─ k's records ──────┘ awaited here ─┘
 *
 * The destination keeps only the last folded arrival, so a fold waits for the previous one's
 * records; if they could not be written, nothing more is delivered in the batch and that entry
 * (with every later one) goes back to the queue, where its reservation finds it delivered
 * (`Reservation.arrived`) and its records are written from the destination's copy. The batch's last
 * delivery has no next reservation and is recorded on its own (`flush`), as before the fold.
 */
import { reservedTransmissionOf } from '../domain/ids';
import type { Arrival } from '../domain/model';
import type { MessageStore, Reservation } from '../ports/messages';
import type { Log } from '../ports/observe';
import { errorFields } from '../runtime/logging';

/** A delivery answered 2xx, with the destination and the reservation key its number was reserved under. */
export type HeldArrival = Arrival & { readonly destinationId: string; readonly reservationKey: string };

/** What recording an arrival answered (see `MessageStore.recordArrival`); undefined when it could not be recorded. */
type ArrivalRecorded = { readonly settled: boolean } | undefined;

/**
 * An arrival folded earlier could not be recorded: nothing more may be delivered in this batch.
 * It carries the transmission's id only (never the arrival, whose excerpt may hold PHI).
 */
export class ArrivalNotRecordedError extends Error {
  constructor(readonly transmissionId: string) {
    super(`The arrival of transmission ${transmissionId} could not be recorded`);
    this.name = 'ArrivalNotRecordedError';
  }
}

interface Held {
  readonly arrival: HeldArrival;
  readonly recorded: (result: ArrivalRecorded) => void;
}

/**
 * Records a batch's deliveries with one write between them (see the file's comment). One per
 * batch, used by one delivery at a time, for destinations without `maxPerSecond` (a paced one's
 * reservation also gives the start, which a fold does not).
 */
export class ArrivalFold {
  /** Posted and answered 2xx, recorded nowhere yet. */
  private held: Held | undefined;
  /** The records of the arrival folded last, written while the next delivery is posted; false when they failed. */
  private recording: Promise<boolean> = Promise.resolve(true);
  private readonly unrecorded: HeldArrival[] = [];

  constructor(
    private readonly messages: MessageStore,
    private readonly log: Log,
  ) {}

  /**
   * The sequence number for `reservationKey` (as `MessageStore.reserveSequence`), folding the held
   * arrival into the same write when there is one; its records are then written in the background.
   * @throws ArrivalNotRecordedError when the previous fold's records could not be written; the
   *   store's error when the fold fails (the held arrival stays held: `flush` records it)
   */
  async reserve(destinationId: string, reservationKey: string, headSentAt: string): Promise<Reservation> {
    const held = this.held;
    if (held === undefined) return this.messages.reserveSequence(destinationId, reservationKey, headSentAt);
    // The destination keeps one folded arrival: the one before must be in its own records first.
    if (!(await this.recording)) throw new ArrivalNotRecordedError(this.unrecorded[0]!.transmissionId);
    const reservation = await this.messages.foldArrival(held.arrival, reservationKey, headSentAt);
    this.held = undefined;
    if (reservation !== undefined) {
      this.recording = this.record(held);
      return reservation;
    }
    // Refused: another reservation came in between, or the same key again (a duplicate entry the
    // caller did not `settle` before). Not expected; the held arrival is recorded on its own
    // before anything is reserved, so a refused key gets its number back, never a new one.
    if (!(await this.record(held))) throw new ArrivalNotRecordedError(held.arrival.transmissionId);
    return this.messages.reserveSequence(destinationId, reservationKey, headSentAt);
  }

  /**
   * Records the held arrival on its own and waits for every write in flight, so that a read made
   * after it sees every delivery of the batch recorded (a second queue entry of a message must see
   * its first one delivered, and be dropped as a duplicate). The fold goes on afterwards.
   * @throws ArrivalNotRecordedError when an arrival could not be recorded
   */
  async settle(): Promise<void> {
    const [unrecorded] = await this.flush();
    if (unrecorded !== undefined) throw new ArrivalNotRecordedError(unrecorded.transmissionId);
  }

  /**
   * Holds a delivery's arrival until the next reservation folds it, or `settle`/`flush` records it.
   * @returns settles once the arrival is recorded (never rejects: undefined when it could not be)
   * @throws Error when an arrival is held already (a delivery reserves, through `reserve`, before it holds)
   */
  hold(arrival: HeldArrival): Promise<ArrivalRecorded> {
    if (this.held !== undefined) throw new Error('An arrival is held already: a delivery must reserve before it holds');
    return new Promise((recorded) => {
      this.held = { arrival, recorded };
    });
  }

  /**
   * Records the held arrival (on its own) and waits for every write in flight.
   * @returns the arrivals that could not be recorded, in delivery order: their entries and every
   *   later one must go back to the queue (never rejects)
   */
  async flush(): Promise<readonly HeldArrival[]> {
    await this.recording;
    const held = this.held;
    this.held = undefined;
    if (held !== undefined) this.recording = this.record(held);
    await this.recording;
    return this.unrecorded;
  }

  /** Writes an arrival's records; false (logged, kept in `unrecorded`) when they could not be written. */
  private async record(held: Held): Promise<boolean> {
    // The reservation key is the fold's, not the arrival's: the arrival log does not keep it. It
    // names the generation delivered, which the transmission's state keeps.
    const { reservationKey, ...arrival } = held.arrival;
    try {
      const generation = reservedTransmissionOf(reservationKey)?.generation;
      held.recorded(await this.messages.recordArrival(arrival, { generation }));
      return true;
    } catch (error) {
      const { destinationId, messageId, transmissionId, sequence } = held.arrival;
      this.log.error('Arrival not recorded; its queue entry goes back to the queue', {
        destinationId,
        messageId,
        transmissionId,
        sequence,
        ...errorFields(error),
      });
      this.unrecorded.push(held.arrival);
      held.recorded(undefined);
      return false;
    }
  }
}
