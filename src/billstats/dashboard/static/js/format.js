// Formatting only: every value arrives from the API already computed (money and ratios as exact
// decimal strings).  Intl.NumberFormat formats a decimal *string* exactly (no binary float).

const cache = new Map();

function numberFormat(options) {
  const key = JSON.stringify(options);
  let nf = cache.get(key);
  if (!nf) {
    nf = new Intl.NumberFormat(undefined, options);
    cache.set(key, nf);
  }
  return nf;
}

export const DASH = "—";

/** "1234.50" in USD -> "$1,234.50" (the API rounded it to the currency's minor unit). */
export function money(value, currency) {
  if (value === null || value === undefined) return DASH;
  return numberFormat({ style: "currency", currency }).format(value);
}

/** Axis ticks: "$1.2K". */
export function moneyShort(value, currency) {
  return numberFormat({ style: "currency", currency, notation: "compact" }).format(value);
}

export function count(value) {
  if (value === null || value === undefined) return DASH;
  return numberFormat({}).format(value);
}

/** "quantity" fields (minutes): a decimal string with up to 6 decimals. */
export function quantity(value) {
  if (value === null || value === undefined) return DASH;
  return numberFormat({ maximumFractionDigits: 6 }).format(value);
}

/** A ratio "0.052300" -> "5.23%". */
export function ratio(value) {
  if (value === null || value === undefined) return DASH;
  return numberFormat({
    style: "percent",
    minimumFractionDigits: 2,
    maximumFractionDigits: 2,
    roundingMode: "halfEven", // as the API and the CLI round
  }).format(value);
}

/** A field's value by its kind (the registry's: money, count, ratio, quantity). */
export function byKind(kind, value, currency) {
  if (kind === "money") return money(value, currency);
  if (kind === "ratio") return ratio(value);
  if (kind === "quantity") return quantity(value);
  return count(value);
}

/** Sign of a decimal string: -1, 0 or 1 (no float parsing). */
export function sign(value) {
  if (value === null || value === undefined) return 0;
  const text = String(value).trim();
  if (/^[-+]?0*(\.0*)?$/.test(text)) return 0;
  return text.startsWith("-") ? -1 : 1;
}

/** Order two decimal strings exactly (no float): negative, zero or positive like a - b. */
export function compareDecimal(a, b) {
  const sa = sign(a);
  const sb = sign(b);
  if (sa !== sb) return sa - sb;
  if (sa === 0) return 0;
  const parts = (v) => {
    const [whole, frac = ""] = String(v).replace(/^[-+]/, "").split(".");
    return [whole.replace(/^0+(?=\d)/, ""), frac];
  };
  const [wa, fa] = parts(a);
  const [wb, fb] = parts(b);
  let order = wa.length - wb.length || (wa < wb ? -1 : wa > wb ? 1 : 0);
  if (!order) {
    const n = Math.max(fa.length, fb.length);
    const pa = fa.padEnd(n, "0");
    const pb = fb.padEnd(n, "0");
    order = pa < pb ? -1 : pa > pb ? 1 : 0;
  }
  return sa * order;
}

/** percentage_change "25.00" -> "+25.00%", null -> "—". */
export function change(value) {
  if (value === null || value === undefined) return DASH;
  const s = sign(value);
  const digits = String(value).replace(/^[-+]/, "");
  const shown = numberFormat({ minimumFractionDigits: 2, maximumFractionDigits: 2 }).format(digits);
  return `${s > 0 ? "+" : s < 0 ? "−" : ""}${shown}%`;
}

/** A decimal string as a chart coordinate (drawing only; labels use the string). */
export function plot(value) {
  if (value === null || value === undefined) return null;
  return Number(value);
}

const MONTHS = new Map();

function monthName(date, style) {
  const key = JSON.stringify(style);
  let f = MONTHS.get(key);
  if (!f) {
    f = new Intl.DateTimeFormat(undefined, { timeZone: "UTC", ...style });
    MONTHS.set(key, f);
  }
  return f.format(date);
}

function utc(isoDate) {
  const [y, m, d] = isoDate.split("-").map(Number);
  return new Date(Date.UTC(y, m - 1, d));
}

/** A bucket's label from its first day: "Mar 5", "Mar 2026", "Q1 2026", "2026". */
export function bucketLabel(isoDate, interval) {
  const date = utc(isoDate);
  if (interval === "year") return String(date.getUTCFullYear());
  if (interval === "quarter") {
    return `Q${Math.floor(date.getUTCMonth() / 3) + 1} ${date.getUTCFullYear()}`;
  }
  if (interval === "month") return monthName(date, { month: "short", year: "numeric" });
  return monthName(date, { month: "short", day: "numeric" });
}

/** "2026-03-05" -> "Mar 5, 2026". */
export function day(isoDate) {
  return monthName(utc(isoDate), { month: "short", day: "numeric", year: "numeric" });
}

export const MOVEMENT_NAMES = {
  new_business: "New business",
  expansion: "Expansion",
  contraction: "Contraction",
  churn: "Churn",
  reactivation: "Reactivation",
  fx_impact: "FX impact",
};
