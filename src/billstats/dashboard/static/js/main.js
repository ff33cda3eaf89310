// The dashboard: sign-in, filters, and one refresh that asks the API for every panel.
// Every number shown comes from the native API; this code only formats and lays out.

import * as api from "./api.js";
import * as charts from "./charts.js";
import { Filters } from "./filters.js";
import { renderKpis, KPI_KINDS } from "./kpis.js";
import { ActivityLog } from "./activities.js";
import { CohortView } from "./cohorts.js";
import { PartnerView } from "./partner.js";

const $ = (selector, root = document) => root.querySelector(selector);

// One request for the KPI cards, the MRR chart and the sales chart.
export const OVERVIEW_METRICS = [...Object.keys(KPI_KINDS), "sales", "refunds"];

const state = {
  tenant: null,
  filters: null,
  controller: null, // aborts the requests of the previous refresh
  inflight: 0,
  cohorts: null,
  activities: null,
  partner: null,
};

function show(section) {
  $("#signin").hidden = section !== "signin";
  $("#app").hidden = section !== "app";
  $("#sign-out").hidden = section !== "app";
}

function signIn(message = "") {
  api.forgetKey();
  if (state.controller) state.controller.abort();
  state.tenant = null;
  $("#tenant").textContent = "";
  // The next key may be another tenant's: forget this one's products, currencies, partners.
  for (const select of document.querySelectorAll("#filters select[name=product_id], #filters select[name=currency], #partner")) {
    select.length = 1;
  }
  $("#signin-error").textContent = message;
  show("signin");
  document.body.dataset.state = "signin";
  $("#api-key").focus();
}

function showPanelError(panel, error) {
  // Nothing stale stays on screen beside the error.
  for (const el of panel.querySelectorAll(".chart-box, .empty, .table-scroll, .more, .kpi > :not(h2)")) {
    el.hidden = true;
  }
  let box = $(".panel-error", panel);
  if (!box) {
    box = document.createElement("p");
    box.className = "panel-error";
    box.setAttribute("role", "alert");
    panel.append(box);
  }
  box.textContent = error.message;
}

/**
 * Run one panel's work with its loading state; errors stay inside the panel.  A newer run of the
 * same panel supersedes an older one (the older's result and errors are dropped).  The body's
 * data-state is "ready" when no run is in flight.
 */
async function runPanel(panels, work) {
  const runs = panels.map((p) => {
    const run = (Number(p.dataset.run) || 0) + 1;
    p.dataset.run = String(run);
    p.setAttribute("aria-busy", "true");
    $(".panel-error", p)?.remove();
    for (const el of p.querySelectorAll(".table-scroll")) el.hidden = false;
    return run;
  });
  const current = () => panels.every((p, i) => Number(p.dataset.run) === runs[i]);
  state.inflight += 1;
  document.body.dataset.state = "loading";
  try {
    await work(current);
  } catch (error) {
    if (!current() || error.name === "AbortError") return;
    if (error.status === 401) {
      signIn("The key was refused (revoked or expired?). Sign in again.");
      return;
    }
    for (const p of panels) showPanelError(p, error);
  } finally {
    if (current()) for (const p of panels) p.setAttribute("aria-busy", "false");
    state.inflight -= 1;
    if (state.inflight === 0 && state.tenant) document.body.dataset.state = "ready";
  }
}

function setEmpty(panel, empty) {
  $(".empty", panel).hidden = !empty;
  $(".chart-box", panel).hidden = empty;
}

async function overview(params, signal, current) {
  const query = { ...params, metrics: OVERVIEW_METRICS.join(",") };
  const body = await api.getJSON("v1/metrics", query, signal);
  if (!current()) return;
  renderKpis($(".kpis"), body);
  setEmpty($("#mrr-panel"), !charts.mrrChart($("#mrr-chart"), body));
  setEmpty($("#sales-panel"), !charts.salesChart($("#sales-chart"), body));
}

function refresh() {
  if (state.controller) state.controller.abort();
  const controller = new AbortController();
  state.controller = controller;
  const params = state.filters.params();
  const signal = controller.signal;
  runPanel([$(".kpis"), $("#mrr-panel"), $("#sales-panel")], (current) =>
    overview(params, signal, current),
  );
  runPanel([$("#cohort-panel")], (current) => state.cohorts.load(params, signal, current));
  runPanel([$("#activity-panel")], (current) => state.activities.load(params, signal, current));
  runPanel([$("#partner-panel")], (current) => state.partner.load(params, signal, current));
}

/** A panel's own reload (search, partner choice) with the current filters. */
function reloader(panel, view) {
  return () =>
    runPanel([panel], (current) =>
      view.load(state.filters.params(), state.controller.signal, current),
    );
}

async function start() {
  show("none");
  document.body.dataset.state = "loading";
  let tenant;
  try {
    tenant = await api.getJSON("v1/tenant");
  } catch (error) {
    if (error.status === 401) signIn("This key was refused.");
    else if (error.status === 403) signIn("This key lacks the analytics:read scope.");
    else signIn(`The server did not answer: ${error.message}`);
    return;
  }
  state.tenant = tenant;
  $("#tenant").textContent = `${tenant.name} · ${tenant.timezone} · ${tenant.currency}`;
  show("app");
  if (!state.filters) {
    state.filters = new Filters($("#filters"), tenant.timezone);
    state.filters.onChange = refresh;
    state.cohorts = new CohortView($("#cohort-panel"));
    state.activities = new ActivityLog($("#activity-panel"));
    state.activities.reload = reloader($("#activity-panel"), state.activities);
    state.partner = new PartnerView($("#partner-panel"));
    state.partner.reload = reloader($("#partner-panel"), state.partner);
  }
  state.filters.timeZone = tenant.timezone;
  state.filters.init();
  refresh();
  state.inflight += 1;
  try {
    await Promise.all([
      state.filters.loadOptions(tenant.currency, state.controller.signal),
      state.partner.loadPartners(state.controller.signal),
    ]);
  } catch (error) {
    if (error.name !== "AbortError") {
      $("#notice").textContent = `Could not list products or partners: ${error.message}`;
      $("#notice").hidden = false;
    }
  } finally {
    state.inflight -= 1;
    if (state.inflight === 0 && state.tenant) document.body.dataset.state = "ready";
  }
}

function wire() {
  $("#signin-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const key = $("#api-key").value.trim();
    if (!key) return;
    api.storeKey(key);
    $("#api-key").value = "";
    $("#signin-error").textContent = "";
    start();
  });
  $("#sign-out").addEventListener("click", () => signIn());
}

wire();
api.takeKeyFromFragment();
if (api.storedKey()) start();
else signIn();
