// The status page's two static files, served by the admin listener from memory: no CDN, no
// build step (tsc compiles this module like any other). The script has no inline part, so the
// Content-Security-Policy can forbid inline scripts and styles altogether.

export const APP_JS = `// gw status page: sign-in, and a refresh from the admin API's JSON every few seconds.
'use strict';
(() => {
  const REFRESH_MS = 5000;
  const SVG = 'http://www.w3.org/2000/svg';
  const body = document.body;
  const form = document.getElementById('signin');
  if (form) {
    form.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      const out = document.getElementById('signin-error');
      const key = form.elements.namedItem('key').value;
      const res = await fetch('/ui/session', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ key }),
        credentials: 'same-origin',
      });
      if (res.ok) return location.reload();
      let message = 'That key was refused.';
      try {
        const j = await res.json();
        if (j && j.error && j.error.message) message = j.error.message;
      } catch {}
      out.textContent = message;
    });
  }
  const page = body.dataset.page;
  if (!page) return;
  const ws = body.dataset.workspace || '';
  const ep = body.dataset.endpoint || '';
  const q = (o) => new URLSearchParams(o).toString();
  const fmt = (f, v) => (f === 'errorRate' ? Math.round(v * 10000) / 100 + '%' : String(v));
  const getJson = async (url) => {
    const r = await fetch(url, { credentials: 'same-origin', headers: { accept: 'application/json' } });
    if (!r.ok) throw new Error(url + ': ' + r.status);
    return r.json();
  };
  const cell = (tr, text, cls, tag) => {
    const td = document.createElement('td');
    if (cls) td.className = cls;
    const inner = tag ? document.createElement(tag) : td;
    inner.textContent = text;
    if (tag) td.appendChild(inner);
    tr.appendChild(td);
  };

  function applyStatus(s) {
    const by = new Map(s.endpoints.map((e) => [e.workspace + '/' + e.name, e]));
    for (const el of document.querySelectorAll('[data-live]')) {
      const e = by.get(el.dataset.live);
      const f = el.dataset.field;
      if (f === 'lastError') {
        el.textContent = e && e.lastError ? e.lastError.code : '—';
        continue;
      }
      const v = e ? e[f] : 0;
      el.dataset.value = String(v);
      el.textContent = fmt(f, v);
    }
    const total = (k) => s.endpoints.reduce((a, e) => a + e[k], 0);
    const r = document.getElementById('kpi-requests');
    if (r) r.textContent = String(total('requests'));
    const x = document.getElementById('kpi-errors');
    if (x) x.textContent = String(total('errors'));
  }

  function applyRecent(list) {
    const tbody = document.getElementById('recent');
    if (!tbody) return;
    const rows = list.map((r) => {
      const tr = document.createElement('tr');
      tr.dataset.request = r.requestId;
      const td = document.createElement('td');
      const t = document.createElement('time');
      t.dateTime = new Date(r.ts).toISOString();
      t.textContent = t.dateTime.slice(11, 19);
      td.appendChild(t);
      tr.appendChild(td);
      cell(tr, r.requestId, '', 'code');
      cell(tr, r.model || '');
      cell(tr, r.provider || '');
      cell(tr, String(r.status), 'num');
      cell(tr, r.errorCode || '');
      cell(tr, String(Math.round(r.latencyMs)), 'num');
      cell(tr, r.tokensIn + '/' + r.tokensOut, 'num');
      cell(tr, String(r.attempts), 'num');
      return tr;
    });
    if (rows.length > 0) tbody.replaceChildren(...rows);
  }

  function applySeries(s) {
    const svg = document.getElementById('chart');
    if (!svg) return;
    const W = 600, H = 120, N = 60, bw = W / N;
    const slots = Array.from({ length: N }, () => ({ requests: 0, errors: 0, p95Ms: 0 }));
    for (const p of s.points) {
      const i = Math.floor((p.minute - s.sinceMs) / 60000);
      if (i >= 0 && i < N) slots[i] = p;
    }
    const maxReq = Math.max(1, ...slots.map((p) => p.requests));
    const maxMs = Math.max(1, ...slots.map((p) => p.p95Ms));
    const r1 = (v) => String(Math.round(v * 10) / 10);
    const nodes = [];
    slots.forEach((p, i) => {
      if (p.requests === 0) return;
      const h = (p.requests / maxReq) * (H - 10);
      const rect = document.createElementNS(SVG, 'rect');
      rect.setAttribute('class', p.errors > 0 ? 'bar err' : 'bar');
      rect.setAttribute('x', r1(i * bw + 1));
      rect.setAttribute('y', r1(H - h));
      rect.setAttribute('width', r1(bw - 2));
      rect.setAttribute('height', r1(h));
      nodes.push(rect);
    });
    const line = document.createElementNS(SVG, 'polyline');
    line.setAttribute('class', 'p95');
    line.setAttribute('points', slots.map((p, i) => r1(i * bw + bw / 2) + ',' + r1(H - (p.p95Ms / maxMs) * (H - 10))).join(' '));
    nodes.push(line);
    svg.replaceChildren(...nodes);
    const total = slots.reduce((a, p) => a + p.requests, 0);
    svg.setAttribute('aria-label', 'Last hour: ' + total + ' requests; bars are requests per minute (peak ' + maxReq + '), the line is p95 latency (peak ' + r1(maxMs) + ' ms)');
  }

  async function refresh() {
    if (document.hidden) return;
    const live = document.getElementById('live');
    try {
      applyStatus(await getJson('/admin/v1/status'));
      if (page === 'detail') {
        const [recent, series] = await Promise.all([
          getJson('/admin/v1/requests?' + q({ workspace: ws, endpoint: ep, limit: '20' })),
          getJson('/admin/v1/series?' + q({ workspace: ws, endpoint: ep })),
        ]);
        applyRecent(recent.requests);
        applySeries(series);
      }
      live.textContent = 'updated ' + new Date().toLocaleTimeString();
      body.dataset.refreshed = String(Date.now());
    } catch (err) {
      live.textContent = 'refresh failed: ' + err.message;
    }
  }
  setInterval(refresh, REFRESH_MS);
})();
`;

export const APP_CSS = `:root { --fg: #1b1f24; --muted: #5b6470; --bg: #fff; --line: #d8dde3; --accent: #0b5cad; --ok: #1a7f37; --warn: #9a6700; --bad: #c62828; font-family: system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--fg); background: var(--bg); }
* { box-sizing: border-box; }
body { margin: 0; line-height: 1.45; }
a { color: var(--accent); }
a:focus-visible, button:focus-visible, input:focus-visible, summary:focus-visible, main:focus-visible { outline: 3px solid var(--accent); outline-offset: 2px; }
.skip { position: absolute; left: -999px; top: 0; background: var(--bg); padding: .5rem; }
.skip:focus { left: .5rem; }
.top { display: flex; flex-wrap: wrap; gap: 1rem; align-items: center; padding: .6rem 1rem; border-bottom: 1px solid var(--line); }
.brand { font-weight: 700; }
.top nav { display: flex; gap: 1rem; }
.top nav a[aria-current="page"] { font-weight: 700; text-decoration: none; }
.live { margin-left: auto; color: var(--muted); font-size: .85rem; }
main { padding: 1rem; max-width: 72rem; margin: 0 auto; }
footer { padding: 1rem; color: var(--muted); font-size: .85rem; text-align: center; }
h1 { font-size: 1.5rem; margin: .5rem 0 1rem; overflow-wrap: anywhere; }
h2 { font-size: 1.15rem; margin: 1.5rem 0 .5rem; }
h3 { font-size: 1rem; margin: 1rem 0 .3rem; }
small, .muted { color: var(--muted); font-weight: 400; }
.kpis { display: grid; grid-template-columns: repeat(auto-fit, minmax(9rem, 1fr)); gap: .5rem; margin: 0 0 1rem; }
.kpi { border: 1px solid var(--line); border-radius: 6px; padding: .5rem .75rem; }
.kpi dt { color: var(--muted); font-size: .8rem; }
.kpi dd { margin: 0; font-size: 1.3rem; font-weight: 600; overflow-wrap: anywhere; }
.scroll { overflow-x: auto; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: .4rem .5rem; border-bottom: 1px solid var(--line); vertical-align: top; }
thead th { font-size: .8rem; color: var(--muted); }
.num { text-align: right; font-variant-numeric: tabular-nums; }
.desc { color: var(--muted); font-weight: 400; font-size: .85rem; overflow-wrap: anywhere; }
.chip { display: inline-block; border: 1px solid var(--line); border-radius: 999px; padding: 0 .5rem; margin: 0 .25rem .25rem 0; font-size: .85rem; white-space: nowrap; }
.chip small { margin-left: .3rem; }
.chip.h-open { border-color: var(--bad); }
.chip.h-half-open { border-color: var(--warn); }
.badge { display: inline-block; border-radius: 4px; padding: 0 .4rem; margin: 0 .25rem .25rem 0; font-size: .75rem; font-weight: 600; background: #eef2f6; white-space: nowrap; vertical-align: middle; }
.b-off { background: #fde7e7; color: var(--bad); }
.b-streaming { background: #e6f4ea; color: var(--ok); }
.b-rate-limit { background: #fff4d6; color: var(--warn); }
.b-fallback, .b-loadbalance { background: #e7effa; color: var(--accent); }
.b-guardrails { background: #f3e8fd; color: #6f2da8; }
.b-mcp { background: #e0f7f7; color: #0b6e6e; }
.health.h-healthy { color: var(--ok); }
.health.h-open { color: var(--bad); }
.health.h-half-open { color: var(--warn); }
.targets li { margin-bottom: .5rem; }
.chart { width: 100%; height: 8rem; border: 1px solid var(--line); border-radius: 6px; }
.chart .bar { fill: #9ec5f0; }
.chart .bar.err { fill: #f0a3a3; }
.chart .p95 { fill: none; stroke: var(--accent); stroke-width: 1.5; }
figure { margin: 0; }
figcaption { color: var(--muted); font-size: .8rem; }
pre { background: #f6f8fa; padding: .6rem; border-radius: 6px; overflow-x: auto; font-size: .85rem; }
pre.preview { max-height: 16rem; }
.diff .op-create { color: var(--ok); }
.diff .op-update { color: var(--warn); }
.diff .op-delete { color: var(--bad); }
.signin { display: grid; gap: .5rem; max-width: 24rem; }
.signin input, .signin button { font: inherit; padding: .5rem; }
.error { color: var(--bad); min-height: 1.2rem; }
@media (max-width: 40rem) {
  main { padding: .6rem; }
  .endpoints thead { display: none; }
  .endpoints tr { display: block; border-bottom: 1px solid var(--line); padding: .4rem 0; }
  .endpoints th, .endpoints td { display: block; border: 0; padding: .15rem 0; text-align: left; }
}
`;
