// Incidents per day by event type, as stacked SVG bars. Long spans are grouped by week or
// month so bars stay wide enough to see and hover.

import { svg, fill } from "./dom.js";
import { EVENT_TYPES, colour } from "./types.js";

const H = 150;
const PAD = { left: 30, right: 8, top: 8, bottom: 20 };
const DAY = 86400000;

function bucketOf(span) {
  if (span <= 120) return { name: "day", key: (d) => d };
  if (span <= 3 * 366) return { name: "week", key: (d) => weekStart(d) };
  return { name: "month", key: (d) => d.slice(0, 7) + "-01" };
}

function weekStart(iso) {
  const t = Date.parse(iso + "T00:00:00Z");
  const dow = (new Date(t).getUTCDay() + 6) % 7; // Monday first
  return new Date(t - dow * DAY).toISOString().slice(0, 10);
}

export function renderTimeline(container, items) {
  // Drawn at the container's width (text keeps its size); redrawn with every new result.
  const W = Math.max(300, Math.floor(container.clientWidth) || 900);
  const dated = items.filter((i) => /^\d{4}-\d{2}-\d{2}$/.test(i.date || ""));
  const chart = svg("svg", { viewBox: `0 0 ${W} ${H}`, width: W, height: H, role: "img", "aria-label": "incidents over time" });
  fill(container, chart);
  if (!dated.length) {
    chart.append(svg("text", { x: W / 2, y: H / 2, "text-anchor": "middle", class: "empty" }, "no dated incidents"));
    return;
  }
  const dates = dated.map((i) => i.date).sort();
  const first = dates[0];
  const last = dates[dates.length - 1];
  const span = (Date.parse(last) - Date.parse(first)) / DAY + 1;
  const bucket = bucketOf(span);
  // Count per bucket and type.
  const counts = new Map();
  for (const inc of dated) {
    const key = bucket.key(inc.date);
    if (!counts.has(key)) counts.set(key, new Map());
    const byType = counts.get(key);
    byType.set(inc.event_type, (byType.get(inc.event_type) || 0) + 1);
  }
  // Every bucket between the first and the last, empty ones included, so time reads evenly.
  const keys = [];
  for (let t = Date.parse(bucket.key(first)); t <= Date.parse(last); ) {
    const key = new Date(t).toISOString().slice(0, 10);
    keys.push(key);
    if (bucket.name === "month") {
      const d = new Date(t);
      t = Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1);
    } else t += (bucket.name === "week" ? 7 : 1) * DAY;
  }
  const max = Math.max(...[...counts.values()].map((m) => [...m.values()].reduce((a, b) => a + b, 0)));
  const plotW = W - PAD.left - PAD.right;
  const plotH = H - PAD.top - PAD.bottom;
  const step = plotW / keys.length;
  const barW = Math.max(1, step * 0.8);
  const types = [...EVENT_TYPES, ...new Set(dated.map((i) => i.event_type).filter((t) => !EVENT_TYPES.includes(t)))];
  keys.forEach((key, n) => {
    const byType = counts.get(key);
    if (!byType) return;
    let y = PAD.top + plotH;
    for (const type of types) {
      const count = byType.get(type);
      if (!count) continue;
      const h = (count / max) * plotH;
      y -= h;
      chart.append(
        svg(
          "rect",
          { x: PAD.left + n * step + (step - barW) / 2, y, width: barW, height: h, fill: colour(type), "data-testid": "timeline-bar" },
          svg("title", {}, `${bucket.name} of ${key}: ${count} × ${type || "unknown type"}`),
        ),
      );
    }
  });
  // Axes: the count scale and the first and last bucket.
  chart.append(
    svg("line", { x1: PAD.left, y1: PAD.top + plotH, x2: W - PAD.right, y2: PAD.top + plotH, class: "axis" }),
    svg("text", { x: PAD.left - 4, y: PAD.top + 8, "text-anchor": "end", class: "tick" }, String(max)),
    svg("text", { x: PAD.left - 4, y: PAD.top + plotH, "text-anchor": "end", class: "tick" }, "0"),
    svg("text", { x: PAD.left, y: H - 4, class: "tick" }, keys[0]),
    svg("text", { x: W - PAD.right, y: H - 4, "text-anchor": "end", class: "tick" }, `${keys[keys.length - 1]} (per ${bucket.name})`),
  );
}
