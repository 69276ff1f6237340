import { seededRandom } from '../../../../local/fidelity/seeded-random';

describe('seededRandom', () => {
  it('gives the same numbers for the same seed and others for another, all in [0, 1)', () => {
    const first = Array.from({ length: 1000 }, seededRandom(42));
    const again = Array.from({ length: 1000 }, seededRandom(42));
    const other = Array.from({ length: 1000 }, seededRandom(43));

    expect(again).toEqual(first);
    expect(other).not.toEqual(first);
    expect(first.every((value) => value >= 0 && value < 1)).toBe(true);
    // Spread over the interval, not stuck in a corner.
    expect(first.filter((value) => value < 0.5).length).toBeGreaterThan(400);
    expect(first.filter((value) => value < 0.5).length).toBeLessThan(600);
  });
});
