// The cohort retention heat map (GET v1/metrics/cohorts): one row per cohort month, one cell per
// month since start; the cell's shade is the API's retention ratio.

import * as api from "./api.js";
import * as fmt from "./format.js";

const PASSED = ["start_date", "end_date", "product_id", "currency", "livemode"];
const SHADE = [31, 59, 115]; // --accent

function th(text, className) {
  const el = document.createElement("th");
  el.textContent = text;
  if (className) el.className = className;
  return el;
}

export class CohortView {
  constructor(panel) {
    this.panel = panel;
    this.table = panel.querySelector("table");
    this.measure = "customers";
    this.body = null;
    for (const button of panel.querySelectorAll("[data-measure]")) {
      button.addEventListener("click", () => {
        this.measure = button.dataset.measure;
        for (const b of panel.querySelectorAll("[data-measure]")) {
          b.setAttribute("aria-pressed", String(b === button));
        }
        this.render();
      });
    }
  }

  async load(params, signal, current) {
    const query = {};
    for (const name of PASSED) query[name] = params[name];
    const body = await api.getJSON("v1/metrics/cohorts", query, signal);
    if (!current()) return;
    this.body = body;
    this.render();
  }

  /** One heat-map cell of a period (a cohort's or the all-cohorts row's). */
  cell(period, size, currency) {
    const td = document.createElement("td");
    td.className = "cell";
    const revenue = this.measure === "revenue";
    const ratio = revenue ? period.revenue_retention : period.customer_retention;
    td.dataset.value = ratio === null ? "" : ratio;
    td.textContent = fmt.ratio(ratio);
    td.title = revenue
      ? `${fmt.money(period.revenue, currency)} in month ${period.month}`
      : `${fmt.count(period.retained_customers)} of ${fmt.count(period.customers ?? size)} customers in month ${period.month}`;
    // The shade is the API's ratio itself, clamped to [0, 1] (revenue can exceed month 0).
    const shade = ratio === null ? 0 : Math.min(1, Math.max(0, Number(ratio)));
    td.style.backgroundColor = `rgba(${SHADE.join(",")}, ${(0.06 + 0.84 * shade).toFixed(3)})`;
    if (shade > 0.5) td.style.color = "#fff";
    return td;
  }

  row(label, size, periods, width, currency) {
    const tr = document.createElement("tr");
    const name = document.createElement("td");
    name.textContent = label;
    const count = document.createElement("td");
    count.className = "num";
    count.textContent = fmt.count(size);
    tr.append(name, count);
    for (let k = 0; k < width; k += 1) {
      if (periods[k]) {
        tr.append(this.cell(periods[k], size, currency));
      } else {
        const td = document.createElement("td");
        td.className = "cell future";
        tr.append(td);
      }
    }
    return tr;
  }

  render() {
    const body = this.body;
    const cohorts = body ? body.cohorts.filter((c) => c.customers > 0) : [];
    this.panel.querySelector(".empty").hidden = cohorts.length > 0;
    this.table.hidden = cohorts.length === 0;
    this.table.replaceChildren();
    if (!cohorts.length) return;
    const width = Math.max(...cohorts.map((c) => c.periods.length));
    const head = document.createElement("tr");
    head.append(th("Cohort"), th("Customers", "num"));
    for (let k = 0; k < width; k += 1) head.append(th(`M${k}`));
    const thead = document.createElement("thead");
    thead.append(head);
    const tbody = document.createElement("tbody");
    const all = body.all_cohorts;
    if (all.length) {
      const size = all[0].customers;
      const total = this.row("All cohorts", size, all, width, body.currency);
      total.className = "all-cohorts";
      tbody.append(total);
    }
    for (const cohort of cohorts) {
      const tr = this.row(fmt.bucketLabel(cohort.date, "month"), cohort.customers, cohort.periods, width, body.currency);
      tr.dataset.cohort = cohort.cohort;
      tbody.append(tr);
    }
    this.table.append(thead, tbody);
  }
}
