import { describe, expect, it } from "vitest";
import { parseColumnTypes } from "./IngestOptionsFields";

describe("parseColumnTypes", () => {
  it("reads COLUMN=TYPE pieces, any case, blanks ignored", () => {
    expect(parseColumnTypes(" zip=long , id = STRING,")).toEqual({
      types: [
        { column: "zip", type: "LONG" },
        { column: "id", type: "STRING" },
      ],
      problem: null,
    });
    expect(parseColumnTypes("")).toEqual({ types: [], problem: null });
  });

  it("keeps an equals sign inside the column name", () => {
    expect(parseColumnTypes("a=b=DOUBLE").types).toEqual([{ column: "a=b", type: "DOUBLE" }]);
  });

  it("names the first piece it cannot read", () => {
    expect(parseColumnTypes("zip=LONG, ts=TIMESTAMP").problem).toBe(
      '"ts=TIMESTAMP" is not COLUMN=LONG, DOUBLE or STRING.',
    );
    expect(parseColumnTypes("=LONG").problem).not.toBeNull();
    expect(parseColumnTypes("zip").problem).not.toBeNull();
  });
});
