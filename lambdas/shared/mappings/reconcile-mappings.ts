import { isPaused, isProvisioned } from '../domain/destinations';
import { MetricNames } from '../domain/metric-names';
import type { Destination } from '../domain/model';
import { errorFields } from '../runtime/logging';
import type { MappingWork } from '../ports/destination-state';
import { ControlPlaneBusyError, type MappingStatus } from '../ports/queues';
import { desiredMappingOf, isSettled } from './desired-state';
import type { MappingPorts, ReconcilerMemory } from './mapping-ports';

/** What one pass of the reconciler did. */
export interface ReconcileResult {
  /** Destinations left on the worklist. */
  readonly pending: number;
  /** Enable or disable calls made. */
  readonly updated: number;
  /** Destinations taken off the worklist: their mapping is in the state their status asks for. */
  readonly settled: number;
}

/** ListEventSourceMappings returns up to 100 mappings a call. */
const MAPPINGS_PER_LISTING_CALL = 100;

/**
 * How long (ms) one pass may spend waiting for this function's share of the control plane
 * (`ControlPlaneBusyError.retryAfterMs`): about 25 calls at 5 a second; longer while the caller
 * says its pass goes on anyway (`ReconcileOptions.passGoesOn`). The rest of the worklist waits
 * for the next pass.
 */
export const RECONCILE_TURN_MS = 5000;

export interface ReconcileOptions {
  /** A listing taken this pass (the audit's), read instead of the control plane. */
  readonly observed?: ReadonlyMap<string, MappingStatus>;
  /** True while the rest of the caller's pass is still under way: the turn may last that long. */
  readonly passGoesOn?: () => boolean;
}

type Outcome = 'settled' | 'updated' | 'waiting';

/** Runs control-plane calls, waiting (within the turn) when this function's bucket is empty; any other refusal is thrown. */
type Turn = <T>(call: () => Promise<T>) => Promise<T>;

const turnUntil =
  (deadline: number, passGoesOn: () => boolean, ports: MappingPorts): Turn =>
  async (call) => {
    for (;;) {
      try {
        return await call();
      } catch (error) {
        const waitMs = error instanceof ControlPlaneBusyError ? error.retryAfterMs : undefined;
        if (waitMs === undefined || (ports.clock().getTime() + waitMs > deadline && !passGoesOn())) throw error;
        await ports.sleep(Math.max(waitMs, 1));
      }
    }
  };

/** The worklist from just after the destination the last pass looked at last (from a random one on the first pass). */
const rotate = (work: readonly MappingWork[], memory: ReconcilerMemory): MappingWork[] => {
  const sorted = [...work].sort((a, b) =>
    a.destinationId < b.destinationId ? -1 : a.destinationId > b.destinationId ? 1 : 0,
  );
  const { lastHandled } = memory;
  const after =
    lastHandled === undefined
      ? Math.floor(memory.random() * sorted.length)
      : sorted.findIndex((item) => item.destinationId > lastHandled);
  const start = after === -1 ? 0 : after;
  return [...sorted.slice(start), ...sorted.slice(0, start)];
};

/**
 * The actual states for `items` worklist items, by one listing when that takes fewer calls than a
 * describe per item (a listing costs one call per 100 mappings); undefined to describe each.
 */
const listWhenCheaper = async (
  items: number,
  ports: MappingPorts,
  memory: ReconcilerMemory,
  turn: Turn,
): Promise<ReadonlyMap<string, MappingStatus> | undefined> => {
  if (memory.mappingCount === undefined || items <= Math.ceil(memory.mappingCount / MAPPINGS_PER_LISTING_CALL))
    return undefined;
  const listed = await turn(() => ports.mappings.list());
  memory.mappingCount = listed.length;
  return new Map(listed.map((status) => [status.mappingId, status]));
};

/** Takes an item off the worklist unless it was rewritten meanwhile (then the next pass sees the new one). */
const settle = async (item: MappingWork, ports: MappingPorts): Promise<Outcome> =>
  (await ports.worklist.remove(item)) ? 'settled' : 'waiting';

const reconcileOne = async (
  item: MappingWork,
  destination: Destination | undefined,
  observed: ReadonlyMap<string, MappingStatus> | undefined,
  ports: MappingPorts,
  turn: Turn,
): Promise<Outcome> => {
  // Deleted, or not provisioned yet (its registration creates the mapping): nothing to look after.
  if (!destination || !isProvisioned(destination)) return settle(item, ports);
  const { id: destinationId, mappingId } = destination;
  const desired = desiredMappingOf(destination);
  const status = observed?.get(mappingId) ?? (await turn(() => ports.mappings.describe(mappingId)));
  if (!status) {
    // Left on the worklist, where it raises MappingDrift: only an operator knows why it is gone.
    ports.log.error("The destination's event-source mapping does not exist", { destinationId, mappingId });
    return 'waiting';
  }
  // Changing state: Lambda refuses an update until it settles; look again next pass.
  if (!isSettled(status.state)) return 'waiting';
  const actual = status.state === 'Enabled' ? 'enabled' : 'disabled';
  if (actual === desired) {
    // Only now is the mapping known off for this episode: the spill may move entries from then on.
    if (isPaused(destination) && !destination.pause.mappingDisabled)
      await ports.worklist.recordMappingDisabled(destinationId, destination.pause.pausedAt);
    return settle(item, ports);
  }
  // A paused destination's mapping runs after all: no spill while it might take entries.
  if (isPaused(destination) && destination.pause.mappingDisabled)
    await ports.destinationState.recordPauseChange(destinationId, { mappingDisabled: false });
  await turn(() => ports.mappings.setEnabled(mappingId, desired === 'enabled'));
  ports.meter.count(MetricNames.mappingUpdates);
  ports.log.info(desired === 'enabled' ? 'Enabling the mapping' : 'Disabling the mapping', {
    destinationId,
    mappingId,
    from: status.state,
    reason: item.reason,
  });
  return 'updated';
};

/**
 * One pass of the reconciler, the only caller of UpdateEventSourceMapping: it turns each
 * destination's status into its mapping's state, one destination of the worklist at a time.
 *
 * 1. Read the worklist and, in one batch, the destinations on it; start after the destination
 *    the last pass looked at last, so that every destination gets its turn however long the list.
 * 2. Read the actual mappings: one listing when that is cheaper than a describe per item.
 * 3. For each item: no destination (or not provisioned) → off the worklist. Mapping changing state
 *    (Enabling, Disabling, ...) → next pass. In the desired state → record it (`mappingDisabled`
 *    for the pause's episode) and take the item off the worklist, unless a newer write replaced
 *    it. Otherwise one UpdateEventSourceMapping; the next pass checks that it took effect.
 * 4. When this function's share of the control plane is used up, wait for the next token, for up
 *    to `RECONCILE_TURN_MS` in all (or while the caller's pass goes on). Stop at the first `ControlPlaneBusyError` beyond that (or
 *    when Lambda throttled or refused a call): the rest waits for the next pass, which starts
 *    with the item that was refused. Any other failure with one item is logged, and the pass goes on.
 *
 * Throws only when the worklist or the destinations cannot be read.
 */
export const reconcileMappings = async (
  ports: MappingPorts,
  memory: ReconcilerMemory,
  options: ReconcileOptions = {},
): Promise<ReconcileResult> => {
  const { observed, passGoesOn = () => false } = options;
  const work = await ports.worklist.list();
  if (work.length === 0) return { pending: 0, updated: 0, settled: 0 };
  const ordered = rotate(work, memory);
  const destinations = new Map(
    (await ports.worklist.destinations(ordered.map((item) => item.destinationId))).map((destination) => [
      destination.id,
      destination,
    ]),
  );
  const turn = turnUntil(ports.clock().getTime() + RECONCILE_TURN_MS, passGoesOn, ports);
  let updated = 0;
  let settled = 0;
  try {
    const actual = observed ?? (await listWhenCheaper(ordered.length, ports, memory, turn));
    for (const item of ordered) {
      try {
        const outcome = await reconcileOne(item, destinations.get(item.destinationId), actual, ports, turn);
        if (outcome === 'updated') updated++;
        if (outcome === 'settled') settled++;
      } catch (error) {
        if (error instanceof ControlPlaneBusyError) throw error;
        ports.log.error('Could not reconcile the mapping', {
          destinationId: item.destinationId,
          ...errorFields(error),
        });
      }
      memory.lastHandled = item.destinationId;
    }
  } catch (error) {
    if (!(error instanceof ControlPlaneBusyError)) throw error;
    ports.log.info('Control plane busy: the rest of the mapping worklist waits for the next pass', {
      refusal: error.refusal,
      pending: work.length - settled,
    });
  }
  return { pending: work.length - settled, updated, settled };
};
