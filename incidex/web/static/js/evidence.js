// A document's text with the evidence for each extracted field marked. Spans may overlap (the
// incident's whole sentence holds its place and figures), so the text is cut at every span
// edge and each piece is marked with all the fields that cover it.

import { el } from "./dom.js";

// The API counts characters as Python does (code points); JS strings count UTF-16 units.
// Returns a function from a code-point offset to a string index.
function codePointIndex(text) {
  if (!/[\uD800-\uDFFF]/.test(text)) return (i) => i;
  const units = [0];
  for (const ch of text) units.push(units[units.length - 1] + ch.length);
  return (i) => units[Math.max(0, Math.min(i, units.length - 1))];
}

// Where in the text a span really is: its offsets when they hold its text, else the first
// place its text occurs (offsets from an older extraction), else nowhere.
function locate(text, span, index) {
  const start = index(span.start);
  const end = index(span.end);
  if (Number.isInteger(span.start) && end > start && end <= text.length) {
    if (!span.text || text.slice(start, end) === span.text) return [start, end];
  }
  if (span.text) {
    const at = text.indexOf(span.text);
    if (at >= 0) return [at, at + span.text.length];
  }
  return null;
}

// A fragment: the text, with <mark> elements (title and data-fields naming the fields).
export function highlight(text, evidence) {
  const index = codePointIndex(text);
  const spans = [];
  for (const span of evidence || []) {
    const where = locate(text, span, index);
    if (where) spans.push({ field: String(span.field), start: where[0], end: where[1] });
  }
  const cuts = new Set([0, text.length]);
  for (const s of spans) cuts.add(s.start).add(s.end);
  const edges = [...cuts].sort((a, b) => a - b);
  const frag = document.createDocumentFragment();
  for (let i = 0; i + 1 < edges.length; i++) {
    const [a, b] = [edges[i], edges[i + 1]];
    const piece = text.slice(a, b);
    const fields = [...new Set(spans.filter((s) => s.start <= a && s.end >= b).map((s) => s.field))];
    if (!fields.length) {
      frag.append(document.createTextNode(piece));
      continue;
    }
    const named = fields.filter((f) => f !== "incident");
    // The incident sentence alone gets a faint mark; a field's own evidence a strong one.
    const label = named.length ? named.join(", ") : "incident sentence";
    frag.append(
      el(
        "mark",
        { class: named.length ? "ev-field" : "ev-incident", title: label, dataset: { fields: fields.join(" ") } },
        piece,
      ),
    );
  }
  return frag;
}
