// The filter bar: period (preset or custom dates, in the tenant's zone), interval, product,
// currency, live/test.  The filters live in the page's query string (bookmarkable, never the key).

import { listAll } from "./api.js";

const PRESETS = {
  "30d": { days: 30, interval: "day" },
  "90d": { days: 90, interval: "week" },
  "12m": { months: 12, interval: "month" },
  "24m": { months: 24, interval: "month" },
  ytd: { ytd: true, interval: "month" },
};
export const DEFAULT_PRESET = "12m";
const FIELDS = ["start_date", "end_date", "interval", "product_id", "currency", "livemode"];

/** Today's date (YYYY-MM-DD) in an IANA zone. */
export function todayIn(timeZone) {
  const parts = new Intl.DateTimeFormat("en-CA", {
    timeZone,
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
  }).formatToParts(new Date());
  const get = (type) => parts.find((p) => p.type === type).value;
  return `${get("year")}-${get("month")}-${get("day")}`;
}

function iso(date) {
  return date.toISOString().slice(0, 10);
}

function parse(isoDate) {
  const [y, m, d] = isoDate.split("-").map(Number);
  return new Date(Date.UTC(y, m - 1, d));
}

/** The [start, end] dates and interval of a preset ending on `today`. */
export function presetRange(name, today) {
  const preset = PRESETS[name];
  const end = parse(today);
  let start;
  if (preset.days) {
    start = new Date(end);
    start.setUTCDate(start.getUTCDate() - (preset.days - 1));
  } else if (preset.months) {
    start = new Date(Date.UTC(end.getUTCFullYear(), end.getUTCMonth() - (preset.months - 1), 1));
  } else {
    start = new Date(Date.UTC(end.getUTCFullYear(), 0, 1));
  }
  return { start_date: iso(start), end_date: today, interval: preset.interval };
}

export class Filters {
  constructor(form, timeZone) {
    this.form = form;
    this.timeZone = timeZone;
    this.onChange = () => {};
    form.addEventListener("change", (event) => this.changed(event.target));
    form.addEventListener("submit", (event) => event.preventDefault());
  }

  field(name) {
    return this.form.elements.namedItem(name);
  }

  /** Start from the query string (a bookmark) or the default preset. */
  init() {
    const query = new URLSearchParams(location.search);
    const preset = query.get("preset");
    if (query.get("start_date") || query.get("end_date") || preset === "custom") {
      this.field("preset").value = "custom";
      const fallback = presetRange(DEFAULT_PRESET, todayIn(this.timeZone));
      this.field("start_date").value = query.get("start_date") || fallback.start_date;
      this.field("end_date").value = query.get("end_date") || fallback.end_date;
      this.field("interval").value = query.get("interval") || fallback.interval;
    } else {
      this.applyPreset(preset in PRESETS ? preset : DEFAULT_PRESET);
      if (query.get("interval")) this.field("interval").value = query.get("interval");
    }
    for (const name of ["product_id", "currency", "livemode"]) {
      const value = query.get(name);
      if (value !== null) this.ensureOption(name, value);
    }
  }

  ensureOption(name, value) {
    const select = this.field(name);
    if (![...select.options].some((o) => o.value === value)) select.add(new Option(value, value));
    select.value = value;
  }

  applyPreset(name) {
    this.field("preset").value = name;
    const range = presetRange(name, todayIn(this.timeZone));
    for (const [key, value] of Object.entries(range)) this.field(key).value = value;
  }

  changed(target) {
    if (target.name === "preset") {
      if (target.value !== "custom") this.applyPreset(target.value);
    } else if (target.name === "start_date" || target.name === "end_date") {
      this.field("preset").value = "custom";
    }
    if (!this.form.reportValidity()) return;
    this.saveToUrl();
    this.onChange();
  }

  /** The API parameters of the current filters. */
  params() {
    const out = {};
    for (const name of FIELDS) out[name] = this.field(name).value;
    return out;
  }

  saveToUrl() {
    const query = new URLSearchParams();
    const preset = this.field("preset").value;
    query.set("preset", preset);
    const params = this.params();
    for (const [name, value] of Object.entries(params)) {
      const implied = preset !== "custom" && (name === "start_date" || name === "end_date");
      if (value && !implied && !(name === "livemode" && value === "true")) query.set(name, value);
    }
    history.replaceState(null, "", `${location.pathname}?${query}`);
  }

  /** Products and currencies of the tenant, for the selects (lists, not numbers). */
  async loadOptions(reportingCurrency, signal) {
    const [products, plans] = await Promise.all([
      listAll("v1/products", {}, signal),
      listAll("v1/plans", {}, signal),
    ]);
    const productSelect = this.field("product_id");
    const chosenProduct = productSelect.value;
    for (const p of products.sort((a, b) => a.name.localeCompare(b.name))) {
      if (![...productSelect.options].some((o) => o.value === p.id)) {
        productSelect.add(new Option(p.name, p.id));
      } else {
        [...productSelect.options].find((o) => o.value === p.id).text = p.name;
      }
    }
    productSelect.value = chosenProduct;
    const currencySelect = this.field("currency");
    currencySelect.options[0].text = `All, in ${reportingCurrency}`;
    const chosen = currencySelect.value;
    const currencies = [...new Set(plans.map((p) => p.currency))].sort();
    for (const code of currencies) {
      if (![...currencySelect.options].some((o) => o.value === code)) {
        currencySelect.add(new Option(`${code} only`, code));
      }
    }
    currencySelect.value = chosen;
  }
}
