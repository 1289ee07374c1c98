import { uniformFloat64 } from 'pure-rand/distribution/uniformFloat64';
import { uniformInt } from 'pure-rand/distribution/uniformInt';
import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';

/** A seeded source of randomness: every random choice in a drill comes from one of these, derived from `--seed`. */
export interface Rng {
  /** [0, 1) */
  next(): number;
  /** An integer in [from, to]. */
  int(from: number, to: number): number;
  /** A value in [from, to). */
  between(from: number, to: number): number;
  pick<T>(items: readonly T[]): T;
  /** A lowercase hex string of `bytes` random bytes. */
  hex(bytes: number): string;
  /** An independent stream for one purpose, so adding draws in one place does not shift every other. */
  fork(purpose: string): Rng;
}

/** FNV-1a over a string: a stable 32-bit mix of a seed and a purpose name. */
function mix(seed: number, purpose: string): number {
  let h = 0x811c9dc5 ^ seed;
  for (let i = 0; i < purpose.length; i++) {
    h ^= purpose.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h | 0;
}

export function createRng(seed: number, purpose = 'root'): Rng {
  const g = xoroshiro128plus(mix(seed, purpose));
  const rng: Rng = {
    next: () => uniformFloat64(g),
    int: (from, to) => uniformInt(g, from, to),
    between: (from, to) => from + uniformFloat64(g) * (to - from),
    pick: (items) => {
      if (items.length === 0) throw new Error('pick from an empty list');
      return items[uniformInt(g, 0, items.length - 1)];
    },
    hex: (bytes) => Array.from({ length: bytes }, () => uniformInt(g, 0, 255).toString(16).padStart(2, '0')).join(''),
    fork: (p) => createRng(seed, `${purpose}/${p}`),
  };
  return rng;
}

/** A drop-in `Math.random` from a seed (what third-party code in the simulation draws from). */
export function seededRandom(seed: number): () => number {
  const rng = createRng(seed, 'Math.random');
  return () => rng.next();
}
