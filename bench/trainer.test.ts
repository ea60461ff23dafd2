import { describe, expect, it } from "vitest";
import { blasCoreOverride } from "./trainer";

describe("the PyTorch reference's OpenBLAS kernels", () => {
  const avx512 = new Set(["sse3", "avx", "avx2", "fma", "avx512f", "avx512bw", "avx512vl"]);
  const avx2 = new Set(["sse3", "avx", "avx2", "fma"]);
  it("names the kernels the CPU supports when OpenBLAS fell back to its generic ones", () => {
    expect(blasCoreOverride("Prescott", avx512)).toBe("SkylakeX");
    expect(blasCoreOverride("Prescott", avx2)).toBe("Haswell");
  });
  it("keeps OpenBLAS's own choice otherwise", () => {
    expect(blasCoreOverride("Zen", avx2)).toBeNull();
    expect(blasCoreOverride("SkylakeX", avx512)).toBeNull();
    expect(blasCoreOverride(null, avx512)).toBeNull(); // not OpenBLAS
    expect(blasCoreOverride("Prescott", new Set(["sse3"]))).toBeNull(); // generic is all the CPU has
  });
});
