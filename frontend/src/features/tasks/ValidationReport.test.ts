import { describe, expect, it } from "vitest";
import { distinctLabel } from "./ValidationReport";

describe("distinctLabel", () => {
  it("marks large distinct counts as estimates", () => {
    expect(distinctLabel(37)).toBe("37");
    expect(distinctLabel(1000)).toBe("1,000");
    expect(distinctLabel(28644)).toBe("≈ 28,644");
  });
});
