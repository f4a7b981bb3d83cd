// Cold start: from process start to the first 200 of the app's own path. For WarpGrid that
// covers the node's start and the deploy of its manifest directory (a fresh data dir each time,
// so a component is transpiled again); for a peer, its process start. The start made for the
// load points counts as the first run.

import { ChildServer } from './child-server.js';
import type { Profile } from './profile.js';
import type { ColdStart } from './results.js';
import { missingPiece, type SystemDef } from './systems.js';
import type { NodeFlags } from './warpgrid-node.js';
import type { Workspace } from './workspace.js';

export async function measureColdStart(def: SystemDef, ws: Workspace, profile: Profile,
  flags: NodeFlags, firstRunMs: number | undefined): Promise<ColdStart> {
  const base = { id: def.id, label: def.label };
  const missing = missingPiece(def);
  if (missing !== null) return { ...base, available: false, reason: missing, runsMs: [] };

  const runsMs = firstRunMs === undefined ? [] : [firstRunMs];
  const since = performance.now();
  // A slow start (a component's deploy) is repeated only while the system's budget lasts.
  const spent = () => (firstRunMs ?? 0) + performance.now() - since;
  const more = () => runsMs.length < profile.coldStartReps &&
    (runsMs.length === 0 || spent() < profile.coldStartBudgetMs);
  try {
    while (more()) {
      const server = await ChildServer.start(await def.spec(ws, flags));
      runsMs.push(server.firstOkMs);
      await server.stop();
    }
  } catch (err) {
    return { ...base, available: false, reason: (err as Error).message, runsMs };
  }
  return { ...base, available: true, runsMs, p50Ms: median(runsMs) };
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid] as number
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}
