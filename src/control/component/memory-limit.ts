// Deploy-time enforcement of limits.memory for a component: in each core module, the maximum of
// every memory the module defines is lowered to the limit, so memory.grow fails past it and the
// guest runs out of memory (a JS guest's allocation fails, which ends the request with 500).
// Only the memory section is rewritten. Spec: WebAssembly core 2.0, binary format §5.5.8.

import { WarpError } from '../../errors.js';
import {
  BinaryReader, encodeU32, readLimits, readSections,
} from '../wasm/binary-reader.js';

const MEMORY_SECTION = 5;
const PAGE = 65536;
const HAS_MAX = 0x01;

function memorySection(memories: Array<{ min: number; max: number }>): Uint8Array {
  const body = [...encodeU32(memories.length)];
  for (const { min, max } of memories) body.push(HAS_MAX, ...encodeU32(min), ...encodeU32(max));
  return Uint8Array.from([MEMORY_SECTION, ...encodeU32(body.length), ...body]);
}

/**
 * The module with each defined memory's maximum at most `limit` bytes. Imported memories are
 * left alone: they are some other module's defined memory, lowered there.
 */
export function limitMemory(bytes: Uint8Array, limit: number, label: string): Uint8Array {
  const section = readSections(bytes).find((s) => s.id === MEMORY_SECTION);
  if (section === undefined) return bytes;

  const limitPages = Math.floor(limit / PAGE);
  const r = new BinaryReader(bytes, section.payload);
  const memories: Array<{ min: number; max: number }> = [];
  for (let n = r.u32(); n > 0; n--) {
    const { flags, min, max } = readLimits(r);
    if ((flags & ~HAS_MAX) !== 0) {
      throw new WarpError('WARP_E_BAD_ARTIFACT',
        `${label}: shared or 64-bit memories are not supported; build for wasm32`);
    }
    if (min > limitPages) {
      throw new WarpError('WARP_E_BAD_ARTIFACT', `${label}: starts with ${min * 64} KiB of ` +
        `memory, over limits.memory (${limitPages * 64} KiB); raise limits.memory`);
    }
    memories.push({ min, max: Math.min(max ?? limitPages, limitPages) });
  }

  const replaced = memorySection(memories);
  const out = new Uint8Array(bytes.length - (section.end - section.start) + replaced.length);
  out.set(bytes.subarray(0, section.start));
  out.set(replaced, section.start);
  out.set(bytes.subarray(section.end), section.start + replaced.length);
  return out;
}
