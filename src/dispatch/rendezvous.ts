// Rendezvous (highest-random-weight) hashing of an app onto worker slots. Each app gets an order
// of preference over the slots: the first is its home shard, the next ones take its spill-over.
// Replacing a worker keeps its slot, so no app moves when a worker restarts.

export function slotPreference(app: string, slots: number): number[] {
  const weights: Array<[number, number]> = [];
  for (let slot = 0; slot < slots; slot++) weights.push([fnv1a(`${app}#${slot}`), slot]);
  weights.sort((a, b) => b[0] - a[0] || a[1] - b[1]);
  return weights.map(([, slot]) => slot);
}

/** FNV-1a, 32 bit: fast, stable across runs, and good enough to spread names. */
export function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  return h >>> 0;
}
