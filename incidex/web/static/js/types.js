// ACLED's event types, the colours the map, the timeline and the legend share.

export const EVENT_TYPES = [
  "Battles",
  "Explosions/Remote violence",
  "Violence against civilians",
  "Riots",
  "Protests",
  "Strategic developments",
];

const COLOURS = {
  Battles: "#d62728",
  "Explosions/Remote violence": "#ff7f0e",
  "Violence against civilians": "#9467bd",
  Riots: "#8c564b",
  Protests: "#1f77b4",
  "Strategic developments": "#2ca02c",
};
const OTHER = "#7f7f7f";

export function colour(eventType) {
  return COLOURS[eventType] || OTHER;
}

// A CSS-safe class suffix for an event type ("Explosions/Remote violence" -> "explosions-remote-violence").
export function slug(eventType) {
  return (eventType || "unknown").toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-|-$/g, "");
}
