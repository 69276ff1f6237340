import { isRemoved, requirePaused } from '../domain/destinations';
import type { Destination } from '../domain/model';
import { errorFields } from '../runtime/logging';
import { flushOutbox } from './alert-outbox';
import { withHeadHeld } from './head-lease';
import type { PausePorts } from './pause-ports';
import { probeHead } from './probe';
import { isSpillDue, spillAgingEntries } from './spill';

/**
 * How many paused destinations one pass works on at once. Each holds its own head lease, so they
 * never meet; ten keep a pass over a thousand paused destinations with 1 s endpoints near 100 s
 * of waiting, and the prober's sockets, table writes and memory small.
 */
export const PROBES_AT_ONCE = 10;

/** What one prober pass did: paused destinations seen, heads probed, destinations resumed, entries spilled. */
export interface ProberPassResult {
  readonly paused: number;
  readonly probed: number;
  readonly resumed: number;
  readonly spilled: number;
}

/**
 * One pass of the prober over every paused destination. A failure with one destination is logged
 * and the pass goes on with the next; only the listing can make the pass throw.
 *
 * 1. Send the alerts waiting in the outbox (`flushOutbox`: a store that fails is logged, and the
 *    probes go on).
 * 2. List the paused destinations, then for each, `PROBES_AT_ONCE` at a time:
 * 3. Decide what is due: moving aging queue entries to the spill (`isSpillDue`: only once the
 *    reconciler has seen its mapping disabled), a probe (its `nextRetryAt` has come). Nothing
 *    due: next destination.
 * 4. Take its head lease (`busy`: another worker has it, next destination) and, on a fresh read,
 *    move aging entries to the spill, then read the destination again.
 * 5. Probe its head when due (`probeHead`: the spill's first entry, else the queue's head, whose
 *    success resumes the destination).
 *
 * A destination is visited only while `mayStartVisit()` says so (the prober: while its run has
 * room for one more visit): a pass over many paused destinations must not outlast the run, which
 * Lambda would end mid-visit. Those not visited are still due for the next pass.
 *
 * The prober reconciles the mappings (`reconcileMappings`) before each of these passes.
 */
export const probeDueDestinations = async (
  ports: PausePorts,
  mayStartVisit: () => boolean = () => true,
): Promise<ProberPassResult> => {
  await flushOutbox(ports);
  const paused = await ports.destinationState.listPausedDestinations();
  let probed = 0;
  let resumed = 0;
  let spilled = 0;
  const visit = async (listed: Destination) => {
    try {
      const destination = requirePaused(listed);
      const spillDue = isSpillDue(destination, ports);
      const probeDue = Date.parse(destination.pause.nextRetryAt) <= ports.clock().getTime();
      if (!spillDue && !probeDue) return;
      const outcome = await withHeadHeld(destination, ports, async (current, keepHeld) => {
        if (spillDue && isSpillDue(current, ports)) {
          // Moved first, then added: `spilled +=` around the await would read the count before
          // another destination's spill (ten at a time) added to it, and lose that.
          const moved = await spillAgingEntries(current, ports, keepHeld);
          spilled += moved;
          await keepHeld();
          const reread = await ports.directory.getDestination(current.id);
          // Still paused (this worker holds its head, and only the holder resumes a destination),
          // unless its deletion was recorded meanwhile: then nothing of it is probed.
          if (reread && isRemoved(reread)) return 'not_paused' as const;
          if (reread) current = requirePaused(reread);
        }
        if (!probeDue) return 'still_paused';
        probed++;
        return probeHead(current, ports, keepHeld);
      });
      if (outcome === 'resumed') resumed++;
    } catch (error) {
      ports.log.error('Probe failed', { destinationId: listed.id, ...errorFields(error) });
    }
  };
  // A few destinations at a time: each waits mostly for its endpoint (up to its timeout), and one
  // after another a hundred paused destinations took over a minute a pass, longer than a run.
  let next = 0;
  const worker = async () => {
    while (next < paused.length && mayStartVisit()) await visit(paused[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(PROBES_AT_ONCE, paused.length) }, worker));
  return { paused: paused.length, probed, resumed, spilled };
};
