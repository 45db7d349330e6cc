import { describe, expect, it } from "vitest";
import {
  autoGranularity,
  bucketLabel,
  filterLabel,
  metricLabel,
  toIntervalInput,
} from "./dashboard";

describe("dashboard inputs", () => {
  it("turns interval choices into the API's IntervalInput", () => {
    expect(toIntervalInput({ preset: "all", start: "", end: "" })).toBeNull();
    expect(toIntervalInput({ preset: "7d", start: "", end: "" })).toEqual({
      relative: "last 7 days",
    });
    expect(toIntervalInput({ preset: "custom", start: "", end: "" })).toBeNull();
    const custom = toIntervalInput({ preset: "custom", start: "2024-03-01T00:00", end: "" });
    expect(custom?.end).toBeNull();
    expect(custom?.start).toMatch(/^2024-0[23]-\d\dT\d\d:00:00.000Z$/);
  });

  it("picks a granularity that gives a readable number of points", () => {
    expect(autoGranularity(null, null)).toBe("DAY");
    expect(autoGranularity("2024-01-01T00:00:00Z", "2024-01-01T02:00:00Z")).toBe("MINUTE");
    expect(autoGranularity("2024-01-01T00:00:00Z", "2024-01-05T00:00:00Z")).toBe("HOUR");
    expect(autoGranularity("2024-01-01T00:00:00Z", "2024-03-01T00:00:00Z")).toBe("DAY");
    expect(autoGranularity("2020-01-01T00:00:00Z", "2024-03-01T00:00:00Z")).toBe("MONTH");
  });

  it("labels metrics, filters and time buckets in plain words", () => {
    expect(metricLabel({ aggregate: "COUNT" })).toBe("Rows");
    expect(metricLabel({ aggregate: "SUM", column: "amount" })).toBe("Sum of amount");
    expect(filterLabel({ equals: { column: "country", value: "FR" } })).toBe("country = FR");
    expect(filterLabel({ in: { column: "country", values: ["FR", "DE"] } })).toBe(
      "country in (FR, DE)",
    );
    expect(filterLabel({ range: { column: "amount", min: "10" } })).toBe("10 ≤ amount ≤ …");
    expect(filterLabel({ isNull: { column: "city" } })).toBe("city is empty");
    const day = new Date("2024-03-05T00:00:00Z");
    expect(bucketLabel(day, "DAY", "short")).toBe("5 Mar");
    expect(bucketLabel(day, "MONTH", "short")).toBe("Mar 2024");
  });
});
