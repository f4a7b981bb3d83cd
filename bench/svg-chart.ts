// A hand-written SVG line chart: latency (log scale) against concurrency (log scale), one colour
// per system, p50 as a solid line and p99 dashed.

export interface LatencySeries {
  label: string;
  /** [concurrency, p50 µs, p99 µs] */
  points: ReadonlyArray<readonly [number, number, number]>;
}

const WIDTH = 1080;
const HEIGHT = 540;
const PLOT = { left: 80, right: 640, top: 56, bottom: 470 };
const COLOURS = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#8c564b', '#e377c2',
  '#17becf'];

function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function logScale(min: number, max: number, from: number, to: number) {
  const lo = Math.log10(min);
  const span = Math.log10(max) - lo || 1;
  return (v: number) => from + ((Math.log10(v) - lo) / span) * (to - from);
}

function formatUs(us: number): string {
  if (us >= 1e6) return `${us / 1e6} s`;
  if (us >= 1e3) return `${us / 1e3} ms`;
  return `${us} µs`;
}

function axes(xs: readonly number[], decades: readonly number[], x: (v: number) => number,
  y: (v: number) => number): string[] {
  const out = [`<rect x="${PLOT.left}" y="${PLOT.top}" width="${PLOT.right - PLOT.left}" ` +
    `height="${PLOT.bottom - PLOT.top}" fill="none" stroke="#999"/>`];
  for (const d of decades) {
    const py = y(d).toFixed(1);
    out.push(`<line x1="${PLOT.left}" x2="${PLOT.right}" y1="${py}" y2="${py}" stroke="#eee"/>`,
      `<text x="${PLOT.left - 8}" y="${py}" text-anchor="end" dominant-baseline="middle">` +
      `${escapeXml(formatUs(d))}</text>`);
  }
  for (const c of xs) {
    const px = x(c).toFixed(1);
    out.push(`<line x1="${px}" x2="${px}" y1="${PLOT.top}" y2="${PLOT.bottom}" stroke="#eee"/>`,
      `<text x="${px}" y="${PLOT.bottom + 20}" text-anchor="middle">${c}</text>`);
  }
  out.push(`<text x="${(PLOT.left + PLOT.right) / 2}" y="${PLOT.bottom + 46}" ` +
    'text-anchor="middle">concurrent connections (log scale)</text>',
  `<text transform="translate(22 ${(PLOT.top + PLOT.bottom) / 2}) rotate(-90)" ` +
    'text-anchor="middle">latency (log scale)</text>');
  return out;
}

function line(points: Array<[number, number]>, colour: string, dashed: boolean): string {
  const d = points.map(([px, py], i) => `${i === 0 ? 'M' : 'L'}${px.toFixed(1)},${py.toFixed(1)}`)
    .join(' ');
  const dash = dashed ? ' stroke-dasharray="6 4" stroke-opacity="0.6"' : '';
  const dots = dashed ? '' : points.map(([px, py]) =>
    `<circle cx="${px.toFixed(1)}" cy="${py.toFixed(1)}" r="3.5" fill="${colour}"/>`).join('');
  return `<path d="${d}" fill="none" stroke="${colour}" stroke-width="2"${dash}/>${dots}`;
}

function legend(series: readonly LatencySeries[]): string[] {
  const out: string[] = [];
  const x = PLOT.right + 24;
  series.forEach((s, i) => {
    const y = PLOT.top + 10 + i * 24;
    out.push(`<rect x="${x}" y="${y - 6}" width="18" height="4" ` +
      `fill="${COLOURS[i % COLOURS.length]}"/>`,
    `<text x="${x + 26}" y="${y}" dominant-baseline="middle">${escapeXml(s.label)}</text>`);
  });
  const y = PLOT.top + 24 + series.length * 24;
  out.push(`<text x="${x}" y="${y}">solid: p50 · dashed: p99</text>`);
  return out;
}

export function latencyChart(title: string, subtitle: string,
  series: readonly LatencySeries[]): string {
  const all = series.flatMap((s) => s.points);
  const xs = [...new Set(all.map((p) => p[0]))].sort((a, b) => a - b);
  const lat = all.flatMap((p) => [p[1], p[2]]).filter((v) => v > 0);
  const minY = 10 ** Math.floor(Math.log10(Math.min(...lat, 100)));
  const maxY = 10 ** Math.ceil(Math.log10(Math.max(...lat, 1000)));
  const x = logScale(Math.min(...xs, 1), Math.max(...xs, 2), PLOT.left + 20, PLOT.right - 20);
  const y = logScale(minY, maxY, PLOT.bottom, PLOT.top);
  const decades: number[] = [];
  for (let d = minY; d <= maxY; d *= 10) decades.push(d);

  const body = [...axes(xs, decades, x, y)];
  series.forEach((s, i) => {
    const colour = COLOURS[i % COLOURS.length] as string;
    const at = (k: 1 | 2) => s.points.map((p): [number, number] => [x(p[0]), y(p[k])]);
    body.push(line(at(2), colour, true), line(at(1), colour, false));
  });
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" ` +
      `viewBox="0 0 ${WIDTH} ${HEIGHT}" font-family="sans-serif" font-size="12">`,
    `<rect width="${WIDTH}" height="${HEIGHT}" fill="white"/>`,
    `<text x="${PLOT.left}" y="24" font-size="16" font-weight="bold">${escapeXml(title)}</text>`,
    `<text x="${PLOT.left}" y="42" fill="#555">${escapeXml(subtitle)}</text>`,
    ...body, ...legend(series), '</svg>', '',
  ].join('\n');
}
