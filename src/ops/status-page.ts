// /_warp/: one self-contained HTML page (inline CSS and JS, nothing fetched from elsewhere)
// that polls status.json every second. The page holds no data itself, so it is served without
// the admin token; when the node wants one, open the page as /_warp/#token=<token> and the
// script sends it as a bearer header. A fragment never reaches the server or a proxy's logs.

const STYLE = `
  :root { font: 14px/1.4 system-ui, sans-serif; color: #1d2330; background: #f6f7f9; }
  body { margin: 0 auto; max-width: 1200px; padding: 16px 24px; }
  h1 { font-size: 20px; margin: 0 0 4px; } h2 { font-size: 15px; margin: 24px 0 8px; }
  .facts { display: flex; flex-wrap: wrap; gap: 8px; margin: 12px 0; }
  .fact { background: #fff; border: 1px solid #dde1e7; border-radius: 6px; padding: 6px 12px; }
  .fact b { display: block; font-size: 18px; font-variant-numeric: tabular-nums; }
  .fact span { color: #5b6475; font-size: 12px; }
  table { border-collapse: collapse; width: 100%; background: #fff; border: 1px solid #dde1e7; }
  th, td { padding: 5px 10px; border-bottom: 1px solid #eceef2; text-align: left; }
  th { font-size: 12px; color: #5b6475; font-weight: 600; background: #fafbfc; }
  td.n { text-align: right; font-variant-numeric: tabular-nums; }
  code { font-size: 12px; } .muted { color: #8a93a3; }
  #state { font-size: 12px; } #state.bad { color: #b42318; font-weight: 600; }
  tr.err td { color: #8a1c12; }
`;

const SCRIPT = `
const token = new URLSearchParams(location.hash.slice(1)).get('token');
const $ = (id) => document.getElementById(id);
const mib = (n) => n == null ? '–' : (n / 1048576).toFixed(1) + ' MiB';
const fixed = (n, d) => n == null ? '–' : n.toFixed(d);

function cell(row, text, field, numeric) {
  const td = row.insertCell();
  td.textContent = text;
  if (field) td.dataset.field = field;
  if (numeric) td.className = 'n';
  return td;
}

function fill(body, items, draw) {
  const rows = document.createDocumentFragment();
  for (const item of items) draw(rows.appendChild(document.createElement('tr')), item);
  body.replaceChildren(rows);
}

function uptime(s) {
  const d = Math.floor(s / 86400), h = Math.floor(s / 3600) % 24, m = Math.floor(s / 60) % 60;
  return (d ? d + 'd ' : '') + (d || h ? h + 'h ' : '') + m + 'm ' + Math.floor(s % 60) + 's';
}

function render(s) {
  $('version').textContent = s.version;
  $('uptime').textContent = uptime(s.uptimeS);
  $('rss').textContent = mib(s.memory.rss);
  $('heap').textContent = mib(s.memory.heapUsed) + ' / ' + mib(s.memory.heapTotal);
  $('workers-heap').textContent = mib(s.memory.workersHeapUsed);
  $('workers').textContent = s.workers.filter((w) => w.online).length + ' / ' + s.workers.length;
  $('restarts').textContent = s.workerRestarts;
  $('deploys').textContent = s.deploys;
  $('window').textContent = Math.round(s.windowS) + ' s';
  fill($('apps'), s.apps, (tr, a) => {
    tr.dataset.app = a.name;
    cell(tr, a.name, 'name');
    cell(tr, [a.route, ...a.hosts].join(' '), 'route');
    cell(tr, a.abi, 'abi');
    cell(tr, a.version, 'version', true);
    cell(tr, a.warm, 'warm', true);
    cell(tr, a.busy, 'busy', true);
    cell(tr, a.inflight, 'inflight', true);
    cell(tr, a.queued, 'queued', true);
    cell(tr, fixed(a.rps, 1), 'rps', true);
    cell(tr, fixed(a.p99Ms, 2), 'p99', true);
    cell(tr, a.requests, 'requests', true);
    cell(tr, a.errors, 'errors', true);
  });
  $('no-errors').hidden = s.recentErrors.length > 0;
  fill($('errors'), s.recentErrors, (tr, e) => {
    tr.className = 'err';
    cell(tr, new Date(e.at).toLocaleTimeString(), 'at');
    cell(tr, e.app, 'app');
    cell(tr, e.code, 'code');
    cell(tr, e.status, 'status', true);
    cell(tr, e.requestId, 'requestId').style.fontFamily = 'monospace';
    cell(tr, e.message, 'message');
  });
  fill($('worker-rows'), s.workers, (tr, w) => {
    cell(tr, w.slot, 'slot', true);
    cell(tr, w.online ? 'online' : 'restarting', 'online');
    cell(tr, w.inflight, 'inflight', true);
    cell(tr, w.requests ?? '–', 'requests', true);
    cell(tr, mib(w.heapUsed), 'heap', true);
  });
}

async function poll() {
  const state = $('state');
  try {
    const headers = token ? { authorization: 'Bearer ' + token } : {};
    const res = await fetch('status.json', { headers, cache: 'no-store' });
    if (res.status === 401) throw new Error('needs the admin token: open /_warp/#token=<token>');
    if (!res.ok) throw new Error('status.json answered ' + res.status);
    render(await res.json());
    state.textContent = 'updated ' + new Date().toLocaleTimeString();
    state.className = '';
    document.body.dataset.updates = Number(document.body.dataset.updates || 0) + 1;
  } catch (err) {
    state.textContent = err.message;
    state.className = 'bad';
  } finally {
    setTimeout(poll, 1000);
  }
}
poll();
`;

const FACTS: ReadonlyArray<readonly [string, string]> = [
  ['uptime', 'uptime'], ['workers', 'workers online'], ['restarts', 'worker restarts'],
  ['deploys', 'deploys'], ['rss', 'node RSS'], ['heap', 'main heap used / total'],
  ['workers-heap', 'workers heap used'], ['window', 'rate window'],
];

const APP_COLUMNS = ['App', 'Route / hosts', 'ABI', 'Version', 'Warm', 'Busy', 'In flight',
  'Queued', 'Req/s', 'p99 ms', 'Requests', 'Errors'];

function head(columns: readonly string[]): string {
  return `<thead><tr>${columns.map((c) => `<th>${c}</th>`).join('')}</tr></thead>`;
}

export const STATUS_PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>WarpGrid node</title><style>${STYLE}</style></head>
<body>
<h1>WarpGrid node <span class="muted" id="version"></span></h1>
<div id="state">loading…</div>
<div class="facts">${FACTS.map(([id, label]) =>
    `<div class="fact"><b id="${id}">–</b><span>${label}</span></div>`).join('')}</div>
<h2>Apps</h2>
<table>${head(APP_COLUMNS)}<tbody id="apps"></tbody></table>
<h2>Recent errors</h2>
<p id="no-errors" class="muted">None since the node started.</p>
<table>${head(['Time', 'App', 'Code', 'Status', 'Request id', 'Message'])}
<tbody id="errors"></tbody></table>
<h2>Workers</h2>
<table>${head(['Slot', 'State', 'In flight', 'Requests', 'Heap'])}
<tbody id="worker-rows"></tbody></table>
<p class="muted">Rates and p99 cover the rate window. Prometheus metrics:
<a href="metrics">/_warp/metrics</a>.</p>
<script>${SCRIPT}</script>
</body></html>
`;

/** No outside loads at all: the page only talks to its own node. */
export const STATUS_PAGE_HEADERS: Array<[string, string]> = [
  ['content-security-policy', "default-src 'none'; style-src 'unsafe-inline'; " +
    "script-src 'unsafe-inline'; connect-src 'self'; img-src 'self' data:"],
  ['x-content-type-options', 'nosniff'],
  ['cache-control', 'no-store'],
];
