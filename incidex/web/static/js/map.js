// The map: Natural Earth country outlines (world-atlas, bundled) as an offline base, an
// optional tile layer when the server names one, and one circle per incident, sized by the
// killed and coloured by event type. Leaflet and topojson-client are globals (vendor scripts).

/* global L, topojson */
import { el, range, orDash } from "./dom.js";
import { EVENT_TYPES, colour } from "./types.js";

function escapeHtml(s) {
  return String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

// Natural Earth cuts no ring at the antimeridian: Fiji and Chukotka jump from +180 to -180
// and Leaflet would draw a line across the world. Keep each ring's longitudes continuous.
function unwrap(geometry) {
  const ring = (points) => {
    let shift = 0;
    return points.map(([lon, lat], i) => {
      if (i > 0) {
        const prev = points[i - 1][0];
        if (lon - prev > 180) shift -= 360;
        else if (prev - lon > 180) shift += 360;
      }
      return [lon + shift, lat];
    });
  };
  if (!geometry) return geometry;
  if (geometry.type === "Polygon") return { ...geometry, coordinates: geometry.coordinates.map(ring) };
  if (geometry.type === "MultiPolygon") return { ...geometry, coordinates: geometry.coordinates.map((p) => p.map(ring)) };
  return geometry;
}

// A reviewer's correction may give only low/high; the best figure then falls back to low.
export function radius(killed) {
  const figure = killed ? [killed.best, killed.low, killed.high].find(Number.isFinite) : undefined;
  return 4 + 3 * Math.sqrt(Math.max(0, figure ?? 0));
}

export async function createMap(node, legendNode, config, onSelect) {
  const map = L.map(node, { worldCopyJump: true, preferCanvas: false }).setView([15, 20], 2);
  // Leaflet's default prefix links out to leafletjs.com; name the sources as plain text.
  map.attributionControl.setPrefix("Leaflet");
  if (config.tile_url) {
    // Attribution is set as HTML by Leaflet; the host is the operator's, escaped all the same.
    const host = new URL(config.tile_url.replace("{s}", "a"), document.baseURI).host;
    L.tileLayer(config.tile_url, { maxZoom: 18, attribution: `tiles: ${escapeHtml(host)}` }).addTo(map);
  }
  try {
    const world = await fetch(new URL("static/vendor/world-atlas/countries-110m.json", document.baseURI)).then((r) => {
      if (!r.ok) throw new Error(`HTTP ${r.status}`);
      return r.json();
    });
    const countries = topojson.feature(world, world.objects.countries);
    for (const f of countries.features) f.geometry = unwrap(f.geometry);
    L.geoJSON(countries, {
      interactive: false,
      style: { color: "#8a8f98", weight: 0.7, fillColor: "#eef0f2", fillOpacity: config.tile_url ? 0 : 1 },
    }).addTo(map);
    map.attributionControl.addAttribution("Natural Earth");
  } catch (err) {
    console.warn(`country outlines not loaded (${err.message}); the markers still show`);
  }
  legendNode.replaceChildren(
    ...EVENT_TYPES.map((t) => el("li", {}, el("span", { class: "swatch", dataset: { type: t } }), t)),
  );
  for (const swatch of legendNode.querySelectorAll(".swatch")) swatch.style.background = colour(swatch.dataset.type);
  const markers = L.featureGroup().addTo(map);
  // The map narrows when the incident view opens; Leaflet only notices window resizes itself.
  new ResizeObserver(() => map.invalidateSize()).observe(node);

  function tooltip(inc) {
    return el(
      "div",
      { class: "tip" },
      el("strong", {}, `${orDash(inc.place)}, ${orDash(inc.country)}`),
      el("br"),
      `${orDash(inc.date)} · ${orDash(inc.event_type)}`,
      el("br"),
      `killed ${range(inc.killed)} · wounded ${range(inc.wounded)}`,
    );
  }

  return {
    show(items) {
      markers.clearLayers();
      for (const inc of items) {
        if (!Number.isFinite(inc.latitude) || !Number.isFinite(inc.longitude)) continue;
        const marker = L.circleMarker([inc.latitude, inc.longitude], {
          radius: radius(inc.killed),
          color: "#222",
          weight: 1,
          fillColor: colour(inc.event_type),
          fillOpacity: 0.75,
          className: "incident-marker",
        });
        marker.bindTooltip(tooltip(inc), { direction: "top" });
        marker.on("click", () => onSelect(inc.incident_id));
        marker.addTo(markers);
        const path = marker.getElement();
        if (path) {
          path.setAttribute("data-testid", "map-marker");
          path.setAttribute("data-incident-id", inc.incident_id);
        }
      }
      const bounds = markers.getBounds();
      if (bounds.isValid()) map.fitBounds(bounds.pad(0.3), { maxZoom: 7 });
    },
  };
}
