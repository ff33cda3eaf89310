// The movement log (GET v1/metrics/activities): newest first, searchable by customer, filterable
// by movement type, paged with the API's cursor; CSV through the same endpoint.

import * as api from "./api.js";
import * as fmt from "./format.js";

const PAGE = 25;
// The log's own parameters (it refuses unknown ones): the filters minus the bucket interval.
const PASSED = ["start_date", "end_date", "product_id", "currency", "livemode"];

function cell(text, className) {
  const td = document.createElement("td");
  if (className) td.className = className;
  td.textContent = text;
  return td;
}

export class ActivityLog {
  constructor(panel) {
    this.panel = panel;
    this.reload = () => {};
    this.body = panel.querySelector("tbody");
    this.search = panel.querySelector("#activity-search");
    this.type = panel.querySelector("#activity-type");
    this.more = panel.querySelector("#activity-more");
    this.cursor = null;
    this.query = null;
    this.own = null; // aborts this log's previous request
    let timer = null;
    this.search.addEventListener("input", () => {
      clearTimeout(timer);
      timer = setTimeout(() => this.reload(), 300);
    });
    this.type.addEventListener("change", () => this.reload());
    this.more.addEventListener("click", () => this.loadMore());
    panel.querySelector("#activity-csv").addEventListener("click", () => this.download());
  }

  /** The API query of the current filters, search and type. */
  queryFor(params) {
    const query = {};
    for (const name of PASSED) query[name] = params[name];
    query.q = this.search.value.trim();
    query.type = this.type.value;
    return query;
  }

  signalFor(outer) {
    if (this.own) this.own.abort();
    this.own = new AbortController();
    return AbortSignal.any([outer, this.own.signal]);
  }

  async load(params, outer, current) {
    const signal = this.signalFor(outer);
    this.query = this.queryFor(params);
    const page = await api.getJSON("v1/metrics/activities", { ...this.query, limit: PAGE }, signal);
    if (!current()) return;
    this.body.replaceChildren();
    this.append(page);
  }

  async loadMore() {
    if (!this.cursor || !this.query) return;
    this.more.disabled = true;
    try {
      const signal = this.signalFor(new AbortController().signal);
      const page = await api.getJSON(
        "v1/metrics/activities",
        { ...this.query, limit: PAGE, cursor: this.cursor },
        signal,
      );
      this.append(page);
    } catch (error) {
      if (error.name !== "AbortError") this.more.textContent = `Load more (failed: ${error.message})`;
    } finally {
      this.more.disabled = false;
    }
  }

  append(page) {
    for (const a of page.data) {
      const row = document.createElement("tr");
      row.dataset.customer = a.customer.id;
      row.dataset.type = a.type;
      const name = a.customer.name ? `${a.customer.name} (${a.customer.id})` : a.customer.id;
      const type = document.createElement("span");
      type.className = `type ${a.type}`;
      type.textContent = fmt.MOVEMENT_NAMES[a.type] || a.type;
      const typeCell = document.createElement("td");
      typeCell.append(type);
      const subs = a.subscriptions
        .map((s) => `${s.id}: ${fmt.money(s.mrr_before, a.currency)} → ${fmt.money(s.mrr_after, a.currency)}`)
        .join("; ");
      row.append(
        cell(fmt.day(a.date)),
        cell(name),
        typeCell,
        cell(fmt.money(a.amount, a.currency), "num"),
        cell(fmt.money(a.mrr_before, a.currency), "num"),
        cell(fmt.money(a.mrr_after, a.currency), "num"),
        cell(subs, "subs"),
      );
      this.body.append(row);
    }
    this.cursor = page.has_more ? page.next_cursor : null;
    this.more.hidden = !this.cursor;
    this.more.textContent = "Load more";
    this.panel.querySelector(".empty").hidden = this.body.children.length > 0;
  }

  /** The whole log of the current query as CSV (fetched with the key, saved by the browser). */
  async download() {
    if (!this.query) return;
    const button = this.panel.querySelector("#activity-csv");
    button.disabled = true;
    button.title = "";
    try {
      const blob = await api.getBlob("v1/metrics/activities", { ...this.query, format: "csv" });
      const link = document.createElement("a");
      link.href = URL.createObjectURL(blob);
      link.download = `movements-${this.query.start_date}-${this.query.end_date}.csv`;
      document.body.append(link);
      link.click();
      link.remove();
      setTimeout(() => URL.revokeObjectURL(link.href), 1000);
    } catch (error) {
      button.title = `CSV failed: ${error.message}`;
    } finally {
      button.disabled = false;
    }
  }
}
