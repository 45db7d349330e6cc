import type {
  Aggregate,
  FilterInput,
  Granularity,
  IntervalInput,
  MetricInput,
} from "../../gql/types";

/** Dashboard state and how it becomes the typed inputs of `timeseries` and `topN`. */

export const GRANULARITIES: { value: Granularity; label: string }[] = [
  { value: "MINUTE", label: "Minute" },
  { value: "FIVE_MINUTES", label: "5 minutes" },
  { value: "FIFTEEN_MINUTES", label: "15 minutes" },
  { value: "HOUR", label: "Hour" },
  { value: "DAY", label: "Day" },
  { value: "WEEK", label: "Week" },
  { value: "MONTH", label: "Month" },
  { value: "QUARTER", label: "Quarter" },
  { value: "YEAR", label: "Year" },
  { value: "ALL", label: "All (one total)" },
];

/** Interval presets; `relative` is the phrase the API understands, counted back from its now. */
export const INTERVAL_PRESETS: { value: string; label: string; relative?: string }[] = [
  { value: "all", label: "All time" },
  { value: "1h", label: "Last hour", relative: "last 1 hour" },
  { value: "24h", label: "Last 24 hours", relative: "last 24 hours" },
  { value: "7d", label: "Last 7 days", relative: "last 7 days" },
  { value: "30d", label: "Last 30 days", relative: "last 30 days" },
  { value: "90d", label: "Last 90 days", relative: "last 90 days" },
  { value: "365d", label: "Last 365 days", relative: "last 365 days" },
  { value: "this-month", label: "This month", relative: "this month" },
  { value: "previous-month", label: "Previous month", relative: "previous month" },
  { value: "custom", label: "Custom range" },
];

export type IntervalChoice = { preset: string; start: string; end: string };

/** `null` means all time; presets are relative phrases; custom sends the dates as UTC ISO-8601. */
export function toIntervalInput(choice: IntervalChoice): IntervalInput | null {
  if (choice.preset === "custom") {
    const iso = (local: string) => (local ? new Date(local).toISOString() : null);
    const start = iso(choice.start);
    const end = iso(choice.end);
    return start || end ? { start, end } : null;
  }
  const relative = INTERVAL_PRESETS.find((p) => p.value === choice.preset)?.relative;
  return relative ? { relative } : null;
}

/** A granularity giving a readable number of points for the data's time span. */
export function autoGranularity(timeMin: string | null, timeMax: string | null): Granularity {
  if (!timeMin || !timeMax) return "DAY";
  const span = Date.parse(timeMax) - Date.parse(timeMin);
  if (!(span >= 0)) return "DAY";
  const hour = 3600e3;
  if (span <= 3 * hour) return "MINUTE";
  if (span <= 12 * hour) return "FIFTEEN_MINUTES";
  if (span <= 7 * 24 * hour) return "HOUR";
  if (span <= 180 * 24 * hour) return "DAY";
  if (span <= 3 * 365 * 24 * hour) return "WEEK";
  return "MONTH";
}

const SHORT: Partial<Record<Granularity, Intl.DateTimeFormatOptions>> = {
  YEAR: { year: "numeric" },
  QUARTER: { year: "numeric", month: "short" },
  MONTH: { year: "numeric", month: "short" },
  WEEK: { month: "short", day: "numeric" },
  DAY: { month: "short", day: "numeric" },
};

/** A time bucket's start, as much of it as the granularity makes meaningful (UTC). */
export function bucketLabel(
  date: Date,
  granularity: Granularity,
  length: "short" | "long",
): string {
  const coarse = SHORT[granularity];
  const options: Intl.DateTimeFormatOptions = coarse
    ? length === "short"
      ? coarse
      : { ...coarse, year: "numeric", ...(granularity === "WEEK" ? { weekday: "short" } : {}) }
    : length === "short"
      ? { month: "short", day: "numeric", hour: "2-digit", minute: "2-digit" }
      : { year: "numeric", month: "short", day: "numeric", hour: "2-digit", minute: "2-digit" };
  return new Intl.DateTimeFormat("en-GB", { ...options, timeZone: "UTC" }).format(date);
}

export const AGGREGATES: { value: Aggregate; label: string; numericOnly: boolean }[] = [
  { value: "COUNT", label: "Row count", numericOnly: false },
  { value: "SUM", label: "Sum", numericOnly: true },
  { value: "AVG", label: "Average", numericOnly: true },
  { value: "MIN", label: "Minimum", numericOnly: true },
  { value: "MAX", label: "Maximum", numericOnly: true },
  { value: "APPROX_DISTINCT", label: "Distinct values (approx.)", numericOnly: false },
];

export function metricLabel(metric: MetricInput): string {
  if (metric.aggregate === "COUNT" && !metric.column) return "Rows";
  const aggregate = AGGREGATES.find((a) => a.value === metric.aggregate)?.label ?? metric.aggregate;
  return `${aggregate} of ${metric.column}`;
}

export function filterColumn(filter: FilterInput): string {
  return (
    (
      filter.equals ??
      filter.in ??
      filter.contains ??
      filter.range ??
      filter.isNull ??
      filter.isNotNull
    )?.column ?? ""
  );
}

export function filterLabel(filter: FilterInput): string {
  if (filter.equals) return `${filter.equals.column} = ${filter.equals.value}`;
  if (filter.in) return `${filter.in.column} in (${filter.in.values.join(", ")})`;
  if (filter.contains) return `${filter.contains.column} contains “${filter.contains.value}”`;
  if (filter.range)
    return `${filter.range.min ?? "…"} ≤ ${filter.range.column} ≤ ${filter.range.max ?? "…"}`;
  if (filter.isNull) return `${filter.isNull.column} is empty`;
  if (filter.isNotNull) return `${filter.isNotNull.column} is not empty`;
  return "filter";
}

export function sameFilter(a: FilterInput, b: FilterInput): boolean {
  return filterLabel(a) === filterLabel(b);
}
