/**
 * Runs `work` on every item, at most `limit` at a time, each worker taking the next item as it
 * finishes one (so a slow item holds up one worker, not a round). Rejects with the first failure,
 * as `Promise.all` does (the other workers go on with the items left).
 * @param limit how many run at once (at least 1)
 */
export const forEachAtMost = async <T>(
  items: readonly T[],
  limit: number,
  work: (item: T) => Promise<unknown>,
): Promise<void> => {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await work(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
};
