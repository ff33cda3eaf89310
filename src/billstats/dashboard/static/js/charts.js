// Chart.js (vendored, window.Chart) charts over the API's entries.  Each dataset keeps the API's
// decimal strings beside the plotted numbers: tooltips show the strings, formatted.

import * as fmt from "./format.js";

export const COLORS = {
  new_business: "#2e9e5b",
  expansion: "#7cc68d",
  reactivation: "#2a8fa8",
  contraction: "#f0a23b",
  churn: "#d64545",
  fx_impact: "#9aa3ad",
  mrr: "#1f3b73",
  sales: "#3a6fd8",
  refunds: "#d64545",
  net_revenue: "#1f3b73",
  inbound: "#2a8fa8",
  outbound: "#7b5cc4",
};

const charts = new Map();

function styleVar(name, fallback) {
  const value = getComputedStyle(document.documentElement).getPropertyValue(name).trim();
  return value || fallback;
}

/** Replace the chart on `canvas` (a destroyed chart frees its listeners). */
function draw(canvas, config) {
  const old = charts.get(canvas.id);
  if (old) old.destroy();
  const chart = new window.Chart(canvas, config);
  charts.set(canvas.id, chart);
  return chart;
}

export function clear(canvas) {
  const old = charts.get(canvas.id);
  if (old) old.destroy();
  charts.delete(canvas.id);
}

/** A dataset of one field of `entries`; `negative` draws it below the axis. */
export function series(entries, field, label, { type = "bar", negative = false, ...rest } = {}) {
  const strings = entries.map((e) => e[field]);
  const data = strings.map((v) => {
    const n = fmt.plot(v);
    return negative && n !== null ? -n : n;
  });
  return {
    type,
    label,
    field,
    strings,
    data,
    backgroundColor: COLORS[field] || rest.color,
    borderColor: COLORS[field] || rest.color,
    ...rest,
  };
}

/** True when every value of every dataset is 0 or null: nothing to draw. */
export function isEmpty(datasets) {
  return datasets.every((d) => d.strings.every((v) => fmt.sign(v) === 0));
}

function baseOptions(valueText, axisText) {
  const grid = styleVar("--grid", "#e6e9ef");
  const text = styleVar("--muted", "#5b6575");
  return {
    responsive: true,
    maintainAspectRatio: false,
    animation: false,
    interaction: { mode: "index", intersect: false },
    plugins: {
      legend: { position: "bottom", labels: { boxWidth: 12, color: text } },
      tooltip: {
        callbacks: {
          label: (ctx) => `${ctx.dataset.label}: ${valueText(ctx.dataset.strings[ctx.dataIndex])}`,
        },
      },
    },
    scales: {
      x: { stacked: true, grid: { display: false }, ticks: { color: text, maxRotation: 0, autoSkipPadding: 12 } },
      y: { stacked: true, grid: { color: grid }, ticks: { color: text, callback: axisText } },
    },
  };
}

/** MRR movements as stacked bars (contraction and churn below the axis) and the MRR line. */
export function mrrChart(canvas, body) {
  const e = body.entries;
  const money = (v) => fmt.money(v, body.currency);
  const short = (v) => fmt.moneyShort(v, body.currency);
  const bars = [
    series(e, "new_business", fmt.MOVEMENT_NAMES.new_business),
    series(e, "expansion", fmt.MOVEMENT_NAMES.expansion),
    series(e, "reactivation", fmt.MOVEMENT_NAMES.reactivation),
    series(e, "contraction", fmt.MOVEMENT_NAMES.contraction, { negative: true }),
    series(e, "churn", fmt.MOVEMENT_NAMES.churn, { negative: true }),
  ];
  const fx = series(e, "fx_impact", fmt.MOVEMENT_NAMES.fx_impact);
  if (!isEmpty([fx])) bars.push(fx);
  for (const b of bars) Object.assign(b, { stack: "movements", yAxisID: "y", order: 2 });
  const line = series(e, "mrr", "MRR", {
    type: "line",
    yAxisID: "y1",
    order: 1,
    cubicInterpolationMode: "monotone",
    pointRadius: e.length > 60 ? 0 : 2,
    borderWidth: 2,
  });
  const datasets = [line, ...bars];
  if (isEmpty(datasets)) return false;
  const options = baseOptions(money, short);
  options.scales.y1 = {
    position: "right",
    beginAtZero: true,
    grid: { drawOnChartArea: false },
    ticks: { color: options.scales.y.ticks.color, callback: short },
  };
  draw(canvas, {
    data: { labels: e.map((x) => fmt.bucketLabel(x.date, body.interval)), datasets },
    options,
  });
  return true;
}

/** Sales and refunds side by side, net revenue as a line. */
export function salesChart(canvas, body) {
  const e = body.entries;
  const money = (v) => fmt.money(v, body.currency);
  const short = (v) => fmt.moneyShort(v, body.currency);
  const datasets = [
    series(e, "net_revenue", "Net revenue", {
      type: "line",
      order: 1,
      cubicInterpolationMode: "monotone",
      pointRadius: e.length > 60 ? 0 : 2,
      borderWidth: 2,
    }),
    series(e, "sales", "Sales", { order: 2 }),
    series(e, "refunds", "Refunds", { order: 2 }),
  ];
  if (isEmpty(datasets)) return false;
  const options = baseOptions(money, short);
  options.scales.x.stacked = false;
  options.scales.y.stacked = false;
  draw(canvas, {
    data: { labels: e.map((x) => fmt.bucketLabel(x.date, body.interval)), datasets },
    options,
  });
  return true;
}

/** Calls per bucket, stacked by direction. */
export function callsChart(canvas, body) {
  const e = body.entries;
  const datasets = [
    series(e, "inbound_calls", "Inbound", { stack: "calls" }),
    series(e, "outbound_calls", "Outbound", { stack: "calls" }),
  ];
  datasets[0].backgroundColor = COLORS.inbound;
  datasets[1].backgroundColor = COLORS.outbound;
  if (isEmpty(datasets)) return false;
  const options = baseOptions(fmt.count, (v) => fmt.count(v));
  options.scales.y.ticks.precision = 0; // whole calls
  draw(canvas, {
    data: { labels: e.map((x) => fmt.bucketLabel(x.date, body.interval)), datasets },
    options,
  });
  return true;
}
