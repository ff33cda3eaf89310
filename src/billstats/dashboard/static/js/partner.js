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
    query.partner_id = this.select.value;
    const daily = days(params.start_date, params.end_date) <= MAX_DAYS;
    const interval = daily ? "day" : params.interval === "day" ? "week" : params.interval;
    // The ranking reads the summary (the whole range): yearly entries keep the answer small.
    // The chart and the ranking fail separately: one's error never hides the other.
    const [calls, ranking] = await Promise.allSettled([
      api.getJSON("v1/metrics/calls", { ...query, interval }, signal),
      this.ranking({ ...query, interval: "year" }, signal),
    ]);
    for (const result of [calls, ranking]) {
      if (result.status === "rejected" && (result.reason.name === "AbortError" || result.reason.status === 401)) {
        throw result.reason;
      }
    }
    if (!current()) return;
    if (calls.status === "rejected") throw calls.reason;
    this.panel.querySelector("#calls-title").textContent = daily
      ? "Calls per day by direction"
      : `Calls per ${interval} by direction (range over ${MAX_DAYS} days)`;
    const drawn = charts.callsChart(this.canvas, calls.value);
    this.panel.querySelector(".chart-box").hidden = !drawn;
    this.panel.querySelector(".calls-empty").hidden = drawn;
    if (ranking.status === "rejected") {
      this.showRankingError(ranking.reason);
    } else {
      const { top, names, body } = ranking.value;
      this.renderAccounts(top, names, body.summary, body.currency);
    }
  }

  async ranking(query, signal) {
    const body = await api.getJSON("v1/metrics/call_accounts", query, signal);
    const top = this.top(body.summary);
    const names = await this.names(top, signal);
    return { top, names, body };
  }

  showRankingError(error) {
    this.accounts.replaceChildren();
    this.panel.querySelector("#accounts-table").hidden = true;
    const note = this.panel.querySelector(".accounts-empty");
    note.hidden = false;
    note.textContent = `Top accounts unavailable: ${error.message}`;
    note.classList.add("error");
  }

  /** The accounts with the highest cost over the range (the API's summary), at most TOP. */
  top(summary) {
    return Object.entries(summary.current)
      .filter(([, cost]) => fmt.sign(cost) > 0)
      .sort(([a, x], [b, y]) => fmt.compareDecimal(y, x) || (a < b ? -1 : 1))
      .slice(0, TOP)
      .map(([account]) => account);
  }

  /** Account id -> customer name (an account is a customer). */
  async names(accounts, signal) {
    const found = await Promise.all(
      accounts.map((id) =>
        api.getJSON(`v1/customers/${encodeURIComponent(id)}`, {}, signal).catch((error) => {
          if (error.name === "AbortError") throw error;
          return null;
        }),
      ),
    );
    return new Map(accounts.map((id, i) => [id, found[i] && found[i].name]));
  }

  renderAccounts(top, names, summary, currency) {
    this.accounts.replaceChildren();
    for (const account of top) {
      const row = document.createElement("tr");
      row.dataset.account = account;
      const name = names.get(account);
      const change = summary.percentage_change[account];
      const changeCell = cell(fmt.change(change), "num");
      changeCell.dataset.value = change === null ? "" : change;
      const cost = cell(fmt.money(summary.current[account], currency), "num");
      cost.dataset.value = summary.current[account];
      row.append(
        cell(name ? `${name} (${account})` : account),
        cost,
        cell(fmt.money(summary.previous[account], currency), "num"),
        changeCell,
      );
      this.accounts.append(row);
    }
    const note = this.panel.querySelector(".accounts-empty");
    note.textContent = "No calls in this period.";
    note.classList.remove("error");
    note.hidden = top.length > 0;
    this.panel.querySelector("#accounts-table").hidden = top.length === 0;
  }
}
