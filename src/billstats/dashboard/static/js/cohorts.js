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
    const revenue = this.measure === "revenue";
    for (const cohort of cohorts) {
      const row = document.createElement("tr");
      row.dataset.cohort = cohort.month;
      const name = document.createElement("td");
      name.textContent = fmt.bucketLabel(cohort.month, "month");
      const size = document.createElement("td");
      size.className = "num";
      size.textContent = fmt.count(cohort.customers);
      row.append(name, size);
      for (let k = 0; k < width; k += 1) {
        const period = cohort.periods[k];
        const td = document.createElement("td");
        td.className = "cell";
        if (!period) {
          td.classList.add("future");
          row.append(td);
          continue;
        }
        const ratio = revenue ? period.revenue_retention : period.customer_retention;
        td.dataset.value = ratio === null ? "" : ratio;
        td.textContent = fmt.ratio(ratio);
        td.title = revenue
          ? `${fmt.money(period.revenue, body.currency)} in ${fmt.bucketLabel(period.month, "month")}`
          : `${fmt.count(period.customers)} of ${fmt.count(cohort.customers)} customers in ${fmt.bucketLabel(period.month, "month")}`;
        const shade = ratio === null ? 0 : Math.min(1, Math.max(0, Number(ratio)));
        td.style.backgroundColor = `rgba(${SHADE.join(",")}, ${0.08 + 0.85 * shade})`;
        td.style.color = shade > 0.5 ? "#fff" : "";
        row.append(td);
      }
      tbody.append(row);
    }
    this.table.append(thead, tbody);
  }
}
