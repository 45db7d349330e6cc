import { describe, expect, it } from "vitest";
import { datasourceNameProblem } from "./datasourceName";

describe("datasource names", () => {
  it.each([
    ["sales", null],
    ["sales 2024", null],
    ["ventes-été_2024", null],
    ["", "Enter a dataset name."],
    ["   ", "Enter a dataset name."],
    [".hidden", "A dataset name cannot start with a dot."],
    ["a/b", "A dataset name cannot contain '/'."],
    ["a\tb", "Only plain spaces are allowed: remove tabs and line breaks."],
    ["a\nb", "Only plain spaces are allowed: remove tabs and line breaks."],
  ])("%j → %s", (name, problem) => {
    expect(datasourceNameProblem(name)).toBe(problem);
  });

  it("allows 255 characters, not 256", () => {
    expect(datasourceNameProblem("x".repeat(255))).toBeNull();
    expect(datasourceNameProblem("x".repeat(256))).toMatch(/at most 255/);
  });
});
