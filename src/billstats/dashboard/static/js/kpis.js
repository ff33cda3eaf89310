// KPI cards: the API's summary (current, previous, percentage change) of each metric.

import * as fmt from "./format.js";

// metric -> kind of its headline field (the registry's), for formatting only.
export const KPI_KINDS = {
  mrr: "money",
  arr: "money",
  customers: "count",
  arpa: "money",
  customer_churn_rate: "ratio",
  net_revenue: "money",
};

function element(tag, className, text) {
  const el = document.createElement(tag);
  if (className) el.className = className;
  if (text !== undefined) el.textContent = text;
  return el;
}

/** Fill every `.kpi[data-metric]` card from `body.summary` (a several-metrics response). */
export function renderKpis(root, body) {
  for (const card of root.querySelectorAll(".kpi[data-metric]")) {
    const metric = card.dataset.metric;
    const kind = KPI_KINDS[metric];
    const summary = body.summary[metric];
    for (const old of card.querySelectorAll(":scope > :not(h2)")) old.remove();
    const value = element("p", "value", fmt.byKind(kind, summary.current, body.currency));
    value.dataset.value = summary.current === null ? "" : String(summary.current);
    const direction = fmt.sign(summary.percentage_change);
    const lowerIsBetter = card.hasAttribute("data-lower-is-better");
    const good = direction === 0 ? "flat" : (direction > 0) !== lowerIsBetter ? "good" : "bad";
    const arrow = direction > 0 ? "▲" : direction < 0 ? "▼" : "";
    const change = element("p", `change ${good}`);
    change.dataset.value = summary.percentage_change === null ? "" : summary.percentage_change;
    change.append(
      element("span", "arrow", arrow),
      element("span", "percent", fmt.change(summary.percentage_change)),
    );
    const previous = element(
      "p",
      "previous",
      `previous period ${fmt.byKind(kind, summary.previous, body.currency)}`,
    );
    previous.dataset.value = summary.previous === null ? "" : String(summary.previous);
    card.append(value, change, previous);
  }
}
