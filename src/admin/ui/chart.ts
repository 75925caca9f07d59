// The detail page's last-hour chart as inline SVG: requests per minute as bars and p95 latency as
// a line, 60 one-minute slots. Only numbers computed here reach the markup. The page's script
// redraws it from /admin/v1/series with the same geometry (assets.ts).
import type { MinutePoint } from '../../telemetry/usage-queries.js';
import { markup, raw, type SafeHtml } from './html.js';

export const CHART = { width: 600, height: 120, slots: 60 } as const;

const n = (v: number): string => String(Math.round(v * 10) / 10);

/** 60 slots from sinceMs on: requests, errors and p95 per minute (0 where nothing ran). */
export function chartSlots(points: readonly MinutePoint[], sinceMs: number): MinutePoint[] {
  const slots: MinutePoint[] = [];
  for (let i = 0; i < CHART.slots; i++) slots.push({ minute: sinceMs + i * 60_000, requests: 0, errors: 0, p95Ms: 0 });
  for (const p of points) {
    const i = Math.floor((p.minute - sinceMs) / 60_000);
    if (i >= 0 && i < CHART.slots) slots[i] = p;
  }
  return slots;
}

export function chartSvg(points: readonly MinutePoint[], sinceMs: number): SafeHtml {
  const slots = chartSlots(points, sinceMs);
  const { width: w, height: h } = CHART;
  const bw = w / CHART.slots;
  const maxReq = Math.max(1, ...slots.map((s) => s.requests));
  const maxMs = Math.max(1, ...slots.map((s) => s.p95Ms));
  const bars = slots
    .map((s, i) => {
      const bh = (s.requests / maxReq) * (h - 10);
      return s.requests === 0
        ? ''
        : `<rect class="bar${s.errors > 0 ? ' err' : ''}" x="${n(i * bw + 1)}" y="${n(h - bh)}" width="${n(bw - 2)}" height="${n(bh)}"></rect>`;
    })
    .join('');
  const line = slots.map((s, i) => `${n(i * bw + bw / 2)},${n(h - (s.p95Ms / maxMs) * (h - 10))}`).join(' ');
  const total = slots.reduce((a, s) => a + s.requests, 0);
  return markup`<svg
    id="chart"
    class="chart"
    viewBox="0 0 ${w} ${h}"
    role="img"
    preserveAspectRatio="none"
    aria-label="Last hour: ${total} requests; bars are requests per minute (peak ${maxReq}), the line is p95 latency (peak ${n(maxMs)} ms)"
  >
    ${raw(bars)}
    <polyline class="p95" points="${line}"></polyline>
  </svg>`;
}
