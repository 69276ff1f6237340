import { errorFields } from '../runtime/logging';
import { REDELIVERY_LEASE_MS, type RedeliveryPorts, type RedeliveryTurn, runRedelivery } from './run-redelivery';

/**
 * The prober's turn at the redeliveries not yet fully enqueued: oldest first, each until it is
 * done or `deadline` (epoch ms) passes. A destination's redeliveries go one after another: while
 * one of them is held elsewhere (the admin call that asked for it), out of time or failing, the
 * later ones wait, so two ranges of one destination are never interleaved in its queue.
 * @param holder this run's lease holder
 * @returns how many redeliveries are still unfinished after the turn
 * @throws only when the redeliveries cannot be listed; a failing redelivery is logged and tried next turn
 */
export const continueRedeliveries = async (
  ports: RedeliveryPorts,
  holder: string,
  deadline: number,
): Promise<{ readonly unfinished: number }> => {
  const waiting = new Set<string>();
  let unfinished = 0;
  for (const redelivery of await ports.redeliveries.listUnfinished()) {
    const ids = { redeliveryId: redelivery.id, destinationId: redelivery.destinationId };
    if (
      waiting.has(redelivery.destinationId) ||
      ports.clock().getTime() >= deadline ||
      !(await ports.redeliveries.take(redelivery.id, holder, REDELIVERY_LEASE_MS))
    ) {
      waiting.add(redelivery.destinationId);
      unfinished++;
      continue;
    }
    let turn: RedeliveryTurn = 'more';
    try {
      turn = await runRedelivery(redelivery, holder, deadline, ports);
    } catch (error) {
      ports.log.error('Redelivery failed; the next pass goes on from its last page', { ...ids, ...errorFields(error) });
    }
    if (turn !== 'done') {
      await ports.redeliveries.release(redelivery.id, holder).catch(() => undefined);
      waiting.add(redelivery.destinationId);
      unfinished++;
    }
  }
  return { unfinished };
};
