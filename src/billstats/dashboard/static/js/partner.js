// The partner view: calls per day by direction and the top accounts by cost, from the native
// `calls` metric (optionally narrowed to one partner's accounts).

import * as api from "./api.js";
import * as charts from "./charts.js";
import * as fmt from "./format.js";

const MAX_DAYS = 1000; // the API's bucket limit: a longer range falls back to the page's interval
const TOP = 10;
const PASSED = ["start_date", "end_date", "currency", "livemode"];

function days(start, end) {
  const a = Date.parse(`${start}T00:00:00Z`);
  const b = Date.parse(`${end}T00:00:00Z`);
  return Math.round((b - a) / 86400000) + 1;
}

function cell(text, className) {
  const td = document.createElement("td");
  if (className) td.className = className;
  td.textContent = text;
  return td;
}

export class PartnerView {
  constructor(panel) {
    this.panel = panel;
    this.reload = () => {};
    this.select = panel.querySelector("#partner");
    this.canvas = panel.querySelector("#calls-chart");
    this.accounts = panel.querySelector("#accounts-table tbody");
    this.select.addEventListener("change", () => this.reload());
  }

  async loadPartners(signal) {
    const partners = await api.listAll("v1/partners", {}, signal);
    const chosen = this.select.value;
    for (const p of partners.sort((a, b) => a.name.localeCompare(b.name))) {
      if (![...this.select.options].some((o) => o.value === p.id)) {
        this.select.add(new Option(p.name, p.id));
      }
    }
    this.select.value = chosen;
  }

  async load(params, signal, current) {
    const query = {};
    for (const name of PASSED) query[name] = params[name];
    const daily = days(params.start_date, params.end_date) <= MAX_DAYS;
    const interval = daily ? "day" : params.interval === "day" ? "week" : params.interval;
    query.interval = interval;
    query.partner_id = this.select.value;
    const body = await api.getJSON("v1/metrics/calls", query, signal);
    if (!current()) return;
    this.panel.querySelector("#calls-title").textContent = daily
      ? "Calls per day by direction"
      : `Calls per ${interval} by direction (range over ${MAX_DAYS} days)`;
    const drawn = charts.callsChart(this.canvas, body);
    this.panel.querySelector(".chart-box").hidden = !drawn;
    this.panel.querySelector(".empty").hidden = drawn;
    this.renderAccounts(body);
  }

  renderAccounts(body) {
    const rows = (body.top_accounts || []).slice(0, TOP);
    this.accounts.replaceChildren();
    for (const a of rows) {
      const row = document.createElement("tr");
      row.dataset.account = a.account_id;
      row.append(
        cell(a.name ? `${a.name} (${a.account_id})` : a.account_id),
        cell(fmt.count(a.calls), "num"),
        cell(fmt.quantity(a.minutes), "num"),
        cell(fmt.money(a.cost, body.currency), "num"),
      );
      this.accounts.append(row);
    }
    this.panel.querySelector(".accounts-empty").hidden = rows.length > 0;
  }
}
