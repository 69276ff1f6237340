import { errorFields } from '../runtime/logging';
import { flushOutbox } from './alert-outbox';
import { withHeadHeld } from './head-lease';
import { stopMapping } from './pause';
import type { PausePorts } from './pause-ports';
import { probeHead } from './probe';
import { isSpillDue, spillAgingEntries } from './spill';

/** One pass of the prober: send pending alerts, finish disabling mappings, spill what is aging, probe the heads that are due. */
export const probeDueDestinations = async (ports: PausePorts): Promise<{ paused: number; probed: number; resumed: number; spilled: number }> => {
  await flushOutbox(ports);
  const paused = await ports.destinationState.listPausedDestinations();
  let probed = 0;
  let resumed = 0;
  let spilled = 0;
  for (const destination of paused) {
    try {
      if (!destination.pause!.mappingDisabled) await stopMapping(destination, ports);
      const spillDue = isSpillDue(destination, ports);
      const probeDue = Date.parse(destination.pause!.nextRetryAt) <= ports.clock().getTime();
      if (!spillDue && !probeDue) continue;
      const outcome = await withHeadHeld(destination, ports, async (current, keepHeld) => {
        if (spillDue && isSpillDue(current, ports)) {
          spilled += await spillAgingEntries(current, ports, keepHeld);
          await keepHeld();
          current = (await ports.directory.getDestination(current.id)) ?? current;
        }
        if (!probeDue) return 'still_paused';
        probed++;
        return probeHead(current, ports, keepHeld);
      });
      if (outcome === 'resumed') resumed++;
    } catch (error) {
      ports.log.error('Probe failed', { destinationId: destination.id, ...errorFields(error) });
    }
  }
  return { paused: paused.length, probed, resumed, spilled };
};
