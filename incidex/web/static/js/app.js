// The analyst's desk: a filter form drives one page of incidents, shown at once on the map,
// the timeline and the table; clicking any of them opens the incident view for review.

import { api, getToken, setToken } from "./api.js";
import { el, fill, range, orDash } from "./dom.js";
import { createMap } from "./map.js";
import { renderTimeline } from "./timeline.js";
import { IncidentView } from "./incident.js";
import { EVENT_TYPES } from "./types.js";

const PAGE = 200;
const $ = (testid) => document.querySelector(`[data-testid="${testid}"]`);

const state = { offset: 0, next: null };

function notify(text, isError = false) {
  const line = $("message");
  line.textContent = text;
  line.classList.toggle("error", isError);
}

// The filter form's values as API query parameters (empty ones dropped by api()).
function filters() {
  const form = $("filter-form");
  const data = Object.fromEntries(new FormData(form).entries());
  for (const key of Object.keys(data)) data[key] = String(data[key]).trim();
  return data;
}

function cell(value, cls) {
  return el("td", { class: cls }, value);
}

function renderTable(items, open) {
  fill(
    $("results-body"),
    items.map((inc) =>
      el(
        "tr",
        {
          testid: "result-row",
          class: inc.not_incident ? "not-incident" : null,
          title: inc.not_incident ? "marked as not an incident" : null,
          dataset: { incidentId: inc.incident_id },
          tabIndex: 0,
          onclick: () => open(inc.incident_id),
          onkeydown: (ev) => ev.key === "Enter" && open(inc.incident_id),
        },
        cell(orDash(inc.date)),
        cell(orDash(inc.place)),
        cell(orDash(inc.country)),
        cell(orDash(inc.event_type)),
        cell(range(inc.killed), "num"),
        cell(range(inc.wounded), "num"),
        cell(orDash(inc.perpetrator)),
        cell(orDash(inc.n_reports), "num"),
      ),
    ),
  );
}

async function main() {
  const view = new IncidentView($("incident-view"), notify, () => load());
  const open = (id) => view.open(id);
  const select = $("filter-event-type");
  select.append(...EVENT_TYPES.map((t) => el("option", { value: t }, t)));

  // Token: kept for this browser tab only.
  const tokenInput = $("token-input");
  tokenInput.value = getToken();
  $("token-form").addEventListener("submit", (ev) => {
    ev.preventDefault();
    setToken(tokenInput.value.trim());
    notify(tokenInput.value.trim() ? "token set for this tab" : "token cleared");
  });

  let config = { tile_url: null };
  try {
    config = await api("web/config.json");
  } catch (err) {
    notify(`no server config (${err.message}); the map shows outlines only`, true);
  }
  const map = await createMap($("map"), $("legend"), config, open);

  async function load() {
    try {
      const page = await api("incidents", { params: { ...filters(), limit: PAGE, offset: state.offset } });
      state.next = page.next_offset;
      renderTable(page.items, open);
      renderTimeline($("timeline"), page.items);
      map.show(page.items);
      const first = page.items.length ? state.offset + 1 : 0;
      $("page-info").textContent = `${first}–${state.offset + page.items.length}${state.next === null ? "" : " of more"}`;
      $("page-prev").disabled = state.offset === 0;
      $("page-next").disabled = state.next === null;
      $("result-count").textContent = String(page.items.length);
    } catch (err) {
      notify(err.message, true);
    }
  }

  $("filter-form").addEventListener("submit", (ev) => {
    ev.preventDefault();
    state.offset = 0;
    notify("");
    load();
  });
  $("filter-form").addEventListener("reset", () => {
    state.offset = 0;
    // After the browser has cleared the fields.
    setTimeout(load, 0);
  });
  $("page-next").addEventListener("click", () => {
    if (state.next === null) return;
    state.offset = state.next;
    load();
  });
  $("page-prev").addEventListener("click", () => {
    state.offset = Math.max(0, state.offset - PAGE);
    load();
  });
  await load();
  document.body.dataset.ready = "true";
}

main().catch((err) => notify(`the page failed to start: ${err.message}`, true));
