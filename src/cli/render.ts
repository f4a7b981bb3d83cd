// What the warp CLI prints for people: one line per action, a table for `list`, a few lines for
// `status`. `--json` prints the admin API's answer instead.

import type { AppView } from '../control/app-view.js';

export interface DeployAnswer {
  app: AppView;
  coldStartMs: number;
  shadows: string | null;
}

export function deployedLine(answer: DeployAnswer): string {
  const count = answer.app.scale?.min ?? 0;
  const line = `Deployed: ${answer.app.name} (${count} instance${count === 1 ? '' : 's'}, ` +
    `${ms(answer.coldStartMs)} cold start)`;
  if (answer.shadows === null) return line;
  return `${line}\nIt shadows the app of the same name in ${answer.shadows} until removed.`;
}

export function scaledLine(app: AppView): string {
  return `Scaled: ${app.name} (min ${app.scale?.min}, max ${app.scale?.max})`;
}

export function removedLine(name: string, servedAgainBy: string | null): string {
  if (servedAgainBy === null) return `Removed: ${name}`;
  return `Removed: ${name} (its version from ${servedAgainBy} serves again)`;
}

export function appTable(apps: AppView[]): string {
  if (apps.length === 0) return 'No apps deployed.';
  const rows = [['NAME', 'SOURCE', 'ABI', 'SHA256', 'ROUTE', 'WARM', 'BUSY']];
  for (const app of apps) {
    rows.push([
      app.name,
      app.serving ? app.source : `${app.source} (not serving)`,
      app.abi ?? '-',
      app.sha256.slice(0, 12),
      app.route ?? '-',
      String(app.instances?.warm ?? '-'),
      String(app.instances?.busy ?? '-'),
    ]);
  }
  const widths = rows[0]?.map((_, col) => Math.max(...rows.map((r) => (r[col] ?? '').length)));
  return rows.map((r) => r.map((cell, col) => cell.padEnd(widths?.[col] ?? 0)).join('  ')
    .trimEnd()).join('\n');
}

interface Status {
  version: string;
  uptimeMs: number;
  draining: boolean;
  workers: Array<{ online: boolean }>;
  workerRestarts: number;
  apps: unknown[];
  uws: { native: boolean };
}

export function statusLines(status: Status): string {
  const online = status.workers.filter((w) => w.online).length;
  return [
    `WarpGrid ${status.version}, up ${duration(status.uptimeMs)}` +
      (status.draining ? ', draining' : ''),
    `Workers: ${online} of ${status.workers.length} online, ${status.workerRestarts} restarts`,
    `Apps: ${status.apps.length}`,
    `uWS: ${status.uws.native ? 'native' : 'JS fallback (slow)'}`,
  ].join('\n');
}

function ms(value: number): string {
  return value < 10 ? `${value.toFixed(1)}ms` : `${Math.round(value)}ms`;
}

function duration(msValue: number): string {
  const s = Math.floor(msValue / 1000);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${s % 60}s`;
  return `${Math.floor(s / 3600)}h${Math.floor((s % 3600) / 60)}m`;
}
