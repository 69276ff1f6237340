/**
 * The fidelity mode's one source of chance: a seeded generator (pure-rand's xoroshiro128+), so a
 * run that failed can be replayed with the seed it printed.
 */
import { unsafeUniformIntDistribution, xoroshiro128plus } from 'pure-rand';

/** Uniform numbers in [0, 1) from `seed` (any 32-bit integer); the same seed gives the same run. */
export const seededRandom = (seed: number): (() => number) => {
  const generator = xoroshiro128plus(seed);
  return () => unsafeUniformIntDistribution(0, 0xffff_ffff, generator) / 0x1_0000_0000;
};
