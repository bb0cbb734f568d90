// The incident view: merged fields, each report's document with its evidence marked, the
// review and history logs, and the review actions (correct fields, not an incident, split,
// merge). Every action re-renders from the API's answer and tells the page to refresh its list.

import { api } from "./api.js";
import { el, fill, safeLink, range, orDash } from "./dom.js";
import { highlight } from "./evidence.js";
import { EVENT_TYPES, colour } from "./types.js";

// The fields the edit form offers, in order. Figures are edited as low/high pairs.
const TEXT_FIELDS = ["sub_event_type", "date", "place", "country", "perpetrator"];
const FIGURES = ["killed", "wounded"];

export class IncidentView {
  // panel: the <aside>; notify(text, isError): the page's message line; changed(): refresh the list.
  constructor(panel, notify, changed) {
    this.panel = panel;
    this.body = panel.querySelector("[data-testid=incident-body]");
    this.notify = notify;
    this.changed = changed;
    this.incident = null;
    panel.querySelector("[data-testid=incident-close]").addEventListener("click", () => this.close());
  }

  close() {
    this.panel.hidden = true;
    this.incident = null;
    document.body.classList.remove("with-incident");
  }

  async open(id) {
    try {
      this.render(await api(`incidents/${encodeURIComponent(id)}`));
    } catch (err) {
      this.notify(err.message, true);
    }
  }

  // A write: send it, show the incident the API answers with, refresh the list.
  async write(what, path, body, method = "POST") {
    try {
      const result = await api(path, { method, body });
      this.render(result);
      this.notify(`${what}: saved`, false);
      this.changed();
    } catch (err) {
      this.notify(`${what} failed: ${err.message}`, true);
    }
  }

  render(inc) {
    this.incident = inc;
    this.panel.hidden = false;
    document.body.classList.add("with-incident");
    this.panel.dataset.incidentId = inc.incident_id;
    fill(
      this.body,
      this.header(inc),
      this.fieldsTable(inc),
      el("h3", {}, `Reports (${(inc.reports || []).length})`),
      el("div", { testid: "reports" }, (inc.reports || []).map((r) => this.report(r))),
      this.reviewForms(inc),
      el("h3", {}, "Reviews"),
      this.log("reviews", inc.reviews, (r) => [`${orDash(r.at)} · ${orDash(r.reviewer)}: `, changes(r.changes)]),
      el("h3", {}, "History"),
      this.log("history", inc.history, (h) => [
        `${orDash(h.at)} · ${orDash(h.action)}${h.doc_id ? ` · ${h.doc_id}` : ""} `,
        changes(h.changes),
      ]),
    );
    this.panel.scrollTop = 0;
  }

  header(inc) {
    const swatch = el("span", { class: "swatch" });
    swatch.style.background = colour(inc.event_type);
    return el(
      "header",
      {},
      el("h2", { testid: "incident-title" }, swatch, `${orDash(inc.event_type)} — ${orDash(inc.place)}, ${orDash(inc.country)}`),
      el("p", { class: "muted" }, el("code", { testid: "incident-id" }, inc.incident_id), ` · ${orDash(inc.date)}`),
      inc.not_incident ? el("p", { class: "flag", testid: "not-incident-flag" }, "Marked as not an incident") : null,
      inc.merged_into
        ? el(
            "p",
            { class: "flag" },
            "Merged into ",
            el("button", { type: "button", class: "link", onclick: () => this.open(inc.merged_into) }, inc.merged_into),
          )
        : null,
    );
  }

  fieldsTable(inc) {
    const reviewed = inc.reviewed || {};
    const rows = [
      ["event_type", orDash(inc.event_type)],
      ["sub_event_type", orDash(inc.sub_event_type)],
      ["date", orDash(inc.date)],
      ["place", orDash(inc.place)],
      ["admin1", orDash(inc.admin1)],
      ["country", orDash(inc.country)],
      ["location", Number.isFinite(inc.latitude) ? `${inc.latitude}, ${inc.longitude} (precision ${orDash(inc.geo_precision)})` : "—"],
      ["killed", range(inc.killed)],
      ["wounded", range(inc.wounded)],
      ["perpetrator", orDash(inc.perpetrator)],
      ["claimed", orDash(inc.claimed)],
      ["target_type", orDash(inc.target_type)],
      ["weapon", orDash(inc.weapon)],
      ["n_reports", orDash(inc.n_reports)],
    ];
    return el(
      "dl",
      { class: "fields", testid: "incident-fields" },
      rows.map(([name, value]) => [
        el("dt", {}, name),
        el(
          "dd",
          { testid: `field-${name}` },
          value,
          name in reviewed ? el("span", { class: "badge", title: "set by a reviewer" }, "reviewed") : null,
        ),
      ]),
    );
  }

  report(r) {
    const text = el("div", { class: "doctext", testid: "report-text" }, "loading the document…");
    // The document's text comes separately; evidence offsets point into it.
    if (r.document_id !== null && r.document_id !== undefined) {
      api(`documents/${encodeURIComponent(r.document_id)}`)
        .then((doc) => fill(text, highlight(doc.text || "", r.evidence)))
        .catch((err) => fill(text, `document not loaded: ${err.message}`));
    } else fill(text, "no document");
    return el(
      "section",
      { class: "report", testid: "report", dataset: { reportId: r.report_id } },
      el(
        "h4",
        {},
        el("input", {
          type: "checkbox",
          class: "split-check",
          testid: "split-check",
          value: r.report_id,
          title: "select for split",
          "aria-label": `select report ${r.report_id} for split`,
        }),
        " ",
        orDash(r.title || r.doc_id),
      ),
      el("p", { class: "muted" }, safeLink(r.url, r.url), ` · ${orDash(r.doc_id)}`),
      el(
        "p",
        { class: "report-fields" },
        `${orDash(r.event_type)} · ${orDash(r.date)} · ${orDash(r.place)}, ${orDash(r.country)} · killed ${range(r.killed)} · wounded ${range(r.wounded)} · ${orDash(r.perpetrator)}`,
      ),
      text,
    );
  }

  log(testid, entries, line) {
    if (!entries || !entries.length) return el("p", { class: "muted", testid }, "none");
    return el("ul", { class: "log", testid }, entries.map((e) => el("li", {}, line(e))));
  }

  reviewForms(inc) {
    const edit = this.editForm(inc);
    const notIncident = el(
      "button",
      {
        type: "button",
        testid: "not-incident",
        onclick: () =>
          this.write(
            inc.not_incident ? "mark as an incident" : "not an incident",
            `incidents/${encodeURIComponent(inc.incident_id)}`,
            { fields: { not_incident: !inc.not_incident } },
            "PATCH",
          ),
      },
      inc.not_incident ? "This is an incident after all" : "Not an incident",
    );
    const split = el(
      "button",
      {
        type: "button",
        testid: "split-button",
        onclick: () => {
          const ids = [...this.body.querySelectorAll(".split-check:checked")].map((c) => Number(c.value));
          if (!ids.length) return this.notify("split: tick the reports that leave this incident first", true);
          this.write("split", `incidents/${encodeURIComponent(inc.incident_id)}/split`, { reports: ids });
        },
      },
      "Split ticked reports into a new incident",
    );
    const mergeInput = el("input", { type: "text", placeholder: "inc_…", testid: "merge-input", "aria-label": "incident to merge in" });
    const merge = el(
      "button",
      {
        type: "button",
        testid: "merge-button",
        onclick: () => {
          const ids = mergeInput.value.split(/[\s,]+/).filter(Boolean);
          if (!ids.length) return this.notify("merge: enter the id of an incident to fold into this one", true);
          this.write("merge", `incidents/${encodeURIComponent(inc.incident_id)}/merge`, { incidents: ids });
        },
      },
      "Merge into this one",
    );
    return el(
      "section",
      { class: "review" },
      el("h3", {}, "Review"),
      edit,
      el("div", { class: "actions" }, notIncident, split),
      el("div", { class: "actions" }, mergeInput, merge),
    );
  }

  editForm(inc) {
    const inputs = {};
    const field = (name, input) => {
      inputs[name] = input;
      return el("label", {}, el("span", {}, name.replace(/_/g, " ")), input);
    };
    const typeSelect = el(
      "select",
      { testid: "edit-event_type" },
      el("option", { value: "" }, "—"),
      EVENT_TYPES.map((t) => el("option", { value: t }, t)),
    );
    if (inc.event_type && !EVENT_TYPES.includes(inc.event_type)) typeSelect.append(el("option", { value: inc.event_type }, inc.event_type));
    typeSelect.value = inc.event_type || "";
    const rows = [field("event_type", typeSelect)];
    for (const name of TEXT_FIELDS) {
      const type = name === "date" ? "date" : "text";
      rows.push(field(name, el("input", { type, value: inc[name] ?? "", testid: `edit-${name}` })));
    }
    for (const name of FIGURES) {
      for (const end of ["low", "high"]) {
        const value = inc[name] ? inc[name][end] : null;
        rows.push(field(`${name}_${end}`, el("input", { type: "number", min: 0, step: 1, value: value ?? "", testid: `edit-${name}-${end}` })));
      }
    }
    const form = el("form", { class: "edit", testid: "edit-form" }, rows, el("button", { type: "submit", testid: "edit-save" }, "Save corrections"));
    form.addEventListener("submit", (ev) => {
      ev.preventDefault();
      let fields;
      try {
        fields = changedFields(inc, inputs);
      } catch (err) {
        return this.notify(err.message, true);
      }
      if (!Object.keys(fields).length) return this.notify("nothing changed", false);
      this.write("correction", `incidents/${encodeURIComponent(inc.incident_id)}`, { fields }, "PATCH");
    });
    return form;
  }
}

// Only what the reviewer changed: {"place": "...", "killed": {"low": 1, "high": 2}}.
function changedFields(inc, inputs) {
  const out = {};
  for (const name of ["event_type", ...TEXT_FIELDS]) {
    const value = inputs[name].value.trim() || null;
    if (value !== (inc[name] ?? null)) out[name] = value;
  }
  for (const name of FIGURES) {
    const before = inc[name] || {};
    const figure = {};
    for (const end of ["low", "high"]) {
      const raw = inputs[`${name}_${end}`].value.trim();
      if (raw !== "" && !/^\d+$/.test(raw)) throw new Error(`${name} ${end}: a whole number of people, or empty`);
      figure[end] = raw === "" ? null : Number(raw);
    }
    if (figure.low !== null && figure.high !== null && figure.low > figure.high) {
      throw new Error(`${name}: low (${figure.low}) is above high (${figure.high})`);
    }
    if (figure.low !== (before.low ?? null) || figure.high !== (before.high ?? null)) out[name] = figure;
  }
  return out;
}

// {"killed": [{"low": 9}, {"low": 12}]} -> "killed: 9 → 12; …"
function changes(map) {
  if (!map || typeof map !== "object") return "";
  return Object.entries(map)
    .map(([field, pair]) => {
      const show = (v) => (v && typeof v === "object" && ("low" in v || "high" in v) ? range(v) : orDash(typeof v === "object" ? JSON.stringify(v) : v));
      return Array.isArray(pair) && pair.length === 2 ? `${field}: ${show(pair[0])} → ${show(pair[1])}` : `${field}: ${show(pair)}`;
    })
    .join("; ");
}
