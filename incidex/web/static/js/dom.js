// Building DOM nodes without HTML strings. Every piece of text that came from a report, a
// reviewer or the server goes in as a text node, so markup in a news report stays text.

const SVG_NS = "http://www.w3.org/2000/svg";

// el("td", {class: "num", dataset: {testid: "x"}}, "text", childNode, null, [more])
export function el(tag, attrs = {}, ...children) {
  return build(document.createElement(tag), attrs, children);
}

export function svg(tag, attrs = {}, ...children) {
  return build(document.createElementNS(SVG_NS, tag), attrs, children);
}

function build(node, attrs, children) {
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key === "dataset") Object.assign(node.dataset, value);
    else if (key === "testid") node.setAttribute("data-testid", value);
    else if (key.startsWith("on") && typeof value === "function") node.addEventListener(key.slice(2), value);
    else if (key in node && typeof node[key] !== "function" && !(node instanceof SVGElement)) node[key] = value;
    else node.setAttribute(key, value === true ? "" : String(value));
  }
  append(node, children);
  return node;
}

function append(node, children) {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (Array.isArray(child)) append(node, child);
    else node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

// Replace all of node's children.
export function fill(node, ...children) {
  node.replaceChildren();
  append(node, children);
  return node;
}

// A link only for http(s) URLs: a report's "url" is outside data and could be javascript:.
export function safeLink(url, text) {
  let parsed = null;
  try {
    parsed = new URL(url);
  } catch {
    parsed = null;
  }
  if (!parsed || (parsed.protocol !== "http:" && parsed.protocol !== "https:")) return el("span", {}, text || url || "");
  return el("a", { href: parsed.href, target: "_blank", rel: "noopener noreferrer" }, text || url);
}

// "17", "17–20", "≥ 11", "—"
export function range(figure) {
  if (!figure) return "—";
  const { low, high } = figure;
  if (low === null || low === undefined) return high === null || high === undefined ? "—" : `≤ ${high}`;
  if (high === null || high === undefined) return `≥ ${low}`;
  return low === high ? String(low) : `${low}–${high}`;
}

export function orDash(value) {
  return value === null || value === undefined || value === "" ? "—" : String(value);
}
