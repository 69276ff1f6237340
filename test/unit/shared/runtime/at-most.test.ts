import { forEachAtMost } from '../../../../lambdas/shared/runtime/at-most';

describe('forEachAtMost', () => {
  it('runs every item once, never more than the limit at a time, a freed worker taking the next', async () => {
    const done: number[] = [];
    let running = 0;
    let most = 0;
    await forEachAtMost([50, 1, 1, 1, 1, 1], 2, async (turns) => {
      most = Math.max(most, ++running);
      for (let turn = 0; turn < turns; turn++) await new Promise((resolve) => setImmediate(resolve));
      running--;
      done.push(turns);
    });

    expect(most).toBe(2);
    // The slow first item holds one worker while the other takes the five quick ones.
    expect(done).toEqual([1, 1, 1, 1, 1, 50]);
  });

  it('rejects with a failure, and starts nothing for an empty list', async () => {
    await expect(
      forEachAtMost([1, 2, 3], 3, async (item) => {
        if (item === 2) throw new Error('item 2 failed');
      }),
    ).rejects.toThrow('item 2 failed');
    const work = jest.fn();
    await forEachAtMost([], 10, work);
    expect(work).not.toHaveBeenCalled();
  });
});
