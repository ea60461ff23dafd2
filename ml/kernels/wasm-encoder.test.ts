import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { assembleBody, assembleModule, sleb, uleb } from "./wasm-encoder";
import { simdKernels, simdListings, simdModuleBytes } from "./simd";
import { mulberry32 } from "../rng";

const body = (text: string, locals: string[] = []) => assembleBody(text, locals);

describe("wasm encoder", () => {
  it("encodes LEB128 as the WebAssembly spec's examples do", () => {
    expect(uleb(0)).toEqual([0x00]);
    expect(uleb(127)).toEqual([0x7f]);
    expect(uleb(128)).toEqual([0x80, 0x01]);
    expect(uleb(624485)).toEqual([0xe5, 0x8e, 0x26]);
    expect(sleb(-1)).toEqual([0x7f]);
    expect(sleb(63)).toEqual([0x3f]);
    expect(sleb(64)).toEqual([0xc0, 0x00]);
    expect(sleb(-64)).toEqual([0x40]);
    expect(sleb(-123456)).toEqual([0xc0, 0xbb, 0x78]);
    expect(() => uleb(-1)).toThrow(/unsigned/);
    expect(() => sleb(0.5)).toThrow(/integer/);
  });

  it("encodes each instruction with the spec's opcode and immediates", () => {
    expect(body("f32x4.add")).toEqual([0xfd, 0xe4, 0x01, 0x0b]);
    expect(body("f32x4.splat")).toEqual([0xfd, 0x13, 0x0b]);
    expect(body("f32x4.lt")).toEqual([0xfd, 0x43, 0x0b]);
    expect(body("v128.andnot")).toEqual([0xfd, 0x4f, 0x0b]);
    expect(body("f32x4.abs")).toEqual([0xfd, 0xe0, 0x01, 0x0b]);
    expect(body("memory.fill")).toEqual([0xfc, 0x0b, 0x00, 0x0b]);
    expect(body("v128.load offset=48")).toEqual([0xfd, 0x00, 0x04, 0x30, 0x0b]);
    expect(body("i32.load offset=4")).toEqual([0x28, 0x02, 0x04, 0x0b]);
    expect(body("i32.const -2")).toEqual([0x41, 0x7e, 0x0b]);
    expect(body("f32.const 1")).toEqual([0x43, 0x00, 0x00, 0x80, 0x3f, 0x0b]);
    expect(body("local.tee $b", ["$a", "$b"])).toEqual([0x22, 0x01, 0x0b]);
    // The float64 and lane instructions of the head's passes.
    expect(body("f64.const 1")).toEqual([0x44, 0, 0, 0, 0, 0, 0, 0xf0, 0x3f, 0x0b]);
    expect(body("f64.load offset=8")).toEqual([0x2b, 0x03, 0x08, 0x0b]);
    expect(body("f64.store")).toEqual([0x39, 0x03, 0x00, 0x0b]);
    expect(body("f64.ne")).toEqual([0x62, 0x0b]);
    expect(body("f64.add")).toEqual([0xa0, 0x0b]);
    expect(body("f64x2.splat")).toEqual([0xfd, 0x14, 0x0b]);
    expect(body("f64x2.extract_lane 1")).toEqual([0xfd, 0x21, 0x01, 0x0b]);
    expect(body("f64x2.gt")).toEqual([0xfd, 0x4a, 0x0b]);
    expect(body("v128.and")).toEqual([0xfd, 0x4e, 0x0b]);
    expect(body("v128.store64_lane offset=16 1")).toEqual([0xfd, 0x5b, 0x03, 0x10, 0x01, 0x0b]);
    expect(body("v128.load64_zero")).toEqual([0xfd, 0x5d, 0x03, 0x00, 0x0b]);
    expect(body("f32x4.demote_f64x2_zero")).toEqual([0xfd, 0x5e, 0x0b]);
    expect(body("f64x2.promote_low_f32x4")).toEqual([0xfd, 0x5f, 0x0b]);
    expect(body("f64x2.abs")).toEqual([0xfd, 0xec, 0x01, 0x0b]);
    expect(body("f64x2.add")).toEqual([0xfd, 0xf0, 0x01, 0x0b]);
    expect(body("f64x2.mul")).toEqual([0xfd, 0xf2, 0x01, 0x0b]);
  });

  it("a folded expression is its operands, then its operator", () => {
    const flat = body("local.get $x\ni32.const 16\ni32.add\nlocal.set $x", ["$x"]);
    expect(body("(local.set $x (i32.add (local.get $x) (i32.const 16)))", ["$x"])).toEqual(flat);
    expect(body("(v128.store offset=16 (local.get $x) (v128.load offset=32 (local.get $x)))", ["$x"])).toEqual([
      0x20, 0x00, 0x20, 0x00, 0xfd, 0x00, 0x04, 0x20, 0xfd, 0x0b, 0x04, 0x10, 0x0b,
    ]);
  });

  it("branches name their block or loop; the name becomes its depth", () => {
    expect(body("block $out\n loop $again\n br_if $out\n br $again\n end\nend ;; done")).toEqual([
      0x02, 0x40, 0x03, 0x40, 0x0d, 0x01, 0x0c, 0x00, 0x0b, 0x0b, 0x0b,
    ]);
    expect(body("(block $out (loop $again (br $out)))")).toEqual([
      0x02, 0x40, 0x03, 0x40, 0x0c, 0x01, 0x0b, 0x0b, 0x0b,
    ]);
  });

  it("refuses what it cannot assemble, naming it", () => {
    expect(() => body("i64.add")).toThrow(/unknown instruction i64.add/);
    expect(() => body("local.get $nope", ["$x"])).toThrow(/unknown local \$nope/);
    expect(() => body("block $a\nbr $b\nend")).toThrow(/no enclosing block or loop \$b/);
    expect(() => body("block")).toThrow(/unclosed block/);
    expect(() => body("end")).toThrow(/end without/);
    expect(() => body("(i32.add (i32.const 1)")).toThrow(/unclosed \(/);
    expect(() => body("i32.const x")).toThrow(/needs an integer/);
    expect(() => body("f64x2.extract_lane 16")).toThrow(/needs a lane/);
  });
});

describe("SIMD kernels", () => {
  // SHA-256 of the reviewed modules: the hand-written opcode arrays' bytes, but for adam, which
  // has since stored subnormal moments as zero and skipped updates whose a m is subnormal; wabt 1.0.32's wat2wasm assembles the listings (as
  // a module of one type per function) to the same bytes.
  const reviewed: Record<number, string> = {
    1: "131a1239cd0200d63f6421bd9cd8a7e51c92e47db8efb8c9227d2830fc407701",
    2: "8ec29df8b96b439756881230028aa984aab2210a89dde84dd81af0cc50a544a8",
    4: "9f8d09edd38d9b4eaa2071fac666a0ebde4ed7bcf643ed5b7c46085b680537a8",
    8: "153b07102af790105a90f9490e87987b30f85f83fd136c61d9437916cb6b2df4",
  };
  const reviewedNames = ["spmm", "spmmT", "adam", "broadcastAdd", "groupSum"];
  for (const unroll of [1, 2, 4, 8]) {
    it(`the listings (unroll ${unroll}) assemble to the reviewed module bytes, a valid module`, () => {
      expect(WebAssembly.validate(simdModuleBytes(unroll))).toBe(true);
      // The register-blocked module also holds the grouped walks, checked below against spmm and spmmT.
      const listings = simdListings(unroll);
      expect(listings.map((f) => f.name)).toEqual([
        ...reviewedNames,
        // The head's passes, checked against the host's loops in ml/training/head.test.ts.
        "headForward",
        "headBackward",
        ...(unroll === 8 ? ["spmmGrouped", "spmmTGrouped", "spmmTGroupedAdam"] : []),
      ]);
      const bytes = assembleModule(listings.slice(0, reviewedNames.length));
      expect(createHash("sha256").update(bytes).digest("hex")).toBe(reviewed[unroll]);
    });
  }

  // Two row sets (responses with an empty row, prompts) over 12 columns (the last in no row: its
  // gradient is zero) in groups of 3, 4 and all of them: the same bits as the row-at-a-time
  // kernels (each sum in the same order).
  for (const H of [32, 64])
    it(`the grouped walks give spmm's and spmmT's bits, and Adam fused into the gradient adam's (H = ${H})`, () => {
      const memory = new WebAssembly.Memory({ initial: 8 });
      const k = simdKernels(memory, H)!;
      expect(k.spmmGrouped).toBeDefined();
      const rng = mulberry32(100 + H);
      const D = 12;
      const H4 = 4 * H;
      const i32 = new Int32Array(memory.buffer);
      const f32 = new Float32Array(memory.buffer);
      let top = 0;
      const put = (xs: number[], float = false) => {
        const at = top;
        (float ? f32 : i32).set(xs, at / 4);
        top += 64 * Math.ceil((4 * xs.length) / 64 + 1);
        return at;
      };
      const random = (n: number) => Array.from({ length: n }, () => rng() * 2 - 1);
      // Each CSR's rows hold ascending column indices, as the featurizer writes them.
      const csrA = { rowptr: [0, 4, 4, 7, 11, 13], idx: [0, 3, 5, 10, 1, 2, 9, 0, 4, 6, 8, 7, 10] };
      const csrB = { rowptr: [0, 3, 6], idx: [2, 5, 8, 0, 9, 10] };
      const set = (csr: typeof csrA, rowIds: number[]) => ({
        ids: put(rowIds),
        n: rowIds.length,
        rowptr: put(csr.rowptr),
        idx: put(csr.idx),
        val: put(random(csr.idx.length), true),
        cursor: put(rowIds.map(() => -1)),
      });
      const A = set(csrA, [3, 1, 0, 4, 2]);
      const B = set(csrB, [1, 0]);
      const W = put(random(D * H), true);
      const dA = put(random(A.n * H), true);
      const dB = put(random(B.n * H), true);
      const [outA, outB, G, refA, refB, refG] = [A.n, B.n, D, A.n, B.n, D].map((rows) =>
        put(random(rows * H), true),
      ) as [number, number, number, number, number, number];
      k.spmm(A.ids, A.n, A.rowptr, A.idx, A.val, W, H4, refA);
      k.spmm(B.ids, B.n, B.rowptr, B.idx, B.val, W, H4, refB);
      k.spmmT(A.ids, A.n, A.rowptr, A.idx, A.val, dA, H4, refG, D * H4);
      k.spmmT(B.ids, B.n, B.rowptr, B.idx, B.val, dB, H4, refG, 0);
      const bits = (at: number, rows: number) => Array.from(i32.subarray(at / 4, at / 4 + rows * H));
      for (const F of [3, 4, D]) {
        const sets = (a: number, b: number) =>
          [A.ids, A.n, A.rowptr, A.idx, A.val, a, A.cursor, B.ids, B.n, B.rowptr, B.idx, B.val, b, B.cursor] as const;
        k.spmmGrouped!(D, F, W, H4, ...sets(outA, outB));
        k.spmmTGrouped!(D, F, G, H4, ...sets(dA, dB));
        expect(bits(outA, A.n)).toEqual(bits(refA, A.n));
        expect(bits(outB, B.n)).toEqual(bits(refB, B.n));
        expect(bits(G, D)).toEqual(bits(refG, D));
      }
      // With Adam fused: the adam kernel's update from the whole gradient, bit for bit.
      // Every fifth m subnormal, as a weight's m becomes when its gradient stays zero, and every
      // fifth normal but small enough for a m to be subnormal, as it is on the way there.
      const weights = () => [
        random(D * H),
        random(D * H).map((x, i) => (i % 5 === 0 ? x * 1e-39 : i % 5 === 1 ? x * 1e-36 : x / 10)),
        random(D * H).map((x) => x * x),
      ];
      const coefficients = [0.9, 0.999, 0.003, 1.4, 1e-8] as const;
      for (const F of [3, 4, D]) {
        const [p, m, v] = weights().map((xs) => put(xs, true)) as [number, number, number];
        const [refP, refM, refV] = [p, m, v].map((at) => put(Array.from(f32.subarray(at / 4, at / 4 + D * H)), true));
        k.adam(refP!, refG, refM!, refV!, D * H4, ...coefficients);
        const gbuf = put(random(F * H), true);
        k.spmmTGroupedAdam!(
          D,
          F,
          gbuf,
          H4,
          ...[A.ids, A.n, A.rowptr, A.idx, A.val, dA, A.cursor, B.ids, B.n, B.rowptr, B.idx, B.val, dB, B.cursor],
          ...[p, m, v, ...coefficients],
        );
        expect(bits(p, D)).toEqual(bits(refP!, D));
        expect(bits(m, D)).toEqual(bits(refM!, D));
        expect(bits(v, D)).toEqual(bits(refV!, D));
      }
    });

  // The kernels on a memory of their own, against plain loops (the trainer's tests run them through tfjs).
  for (const H of [4, 8, 16, 32, 64]) {
    it(`spmm and spmmT compute the CSR products (H = ${H})`, () => {
      const memory = new WebAssembly.Memory({ initial: 1 });
      const k = simdKernels(memory, H);
      expect(k).not.toBeNull();
      const rng = mulberry32(H);
      const nCols = 7;
      const rowptr = [0, 3, 3, 6, 8]; // row 1 is empty
      const idx = [0, 4, 6, 1, 4, 2, 6, 0];
      const val = idx.map(() => rng() * 2 - 1);
      const rowIds = [3, 0, 1, 2];
      const W = Array.from({ length: nCols * H }, () => rng() * 2 - 1);
      const dOut = Array.from({ length: rowIds.length * H }, () => rng() * 2 - 1);
      const i32 = new Int32Array(memory.buffer);
      const f32 = new Float32Array(memory.buffer);
      const at = { rowIds: 0, rowptr: 64, idx: 128, val: 256, W: 1024, out: 8192, dOut: 16384, G: 24576 };
      i32.set(rowIds, at.rowIds / 4);
      i32.set(rowptr, at.rowptr / 4);
      i32.set(idx, at.idx / 4);
      f32.set(val, at.val / 4);
      f32.set(W, at.W / 4);
      f32.set(dOut, at.dOut / 4);
      f32.fill(99, at.out / 4, at.out / 4 + rowIds.length * H); // stale values the kernel must overwrite
      f32.fill(99, at.G / 4, at.G / 4 + nCols * H);
      k!.spmm(at.rowIds, rowIds.length, at.rowptr, at.idx, at.val, at.W, 4 * H, at.out);
      k!.spmmT(at.rowIds, rowIds.length, at.rowptr, at.idx, at.val, at.dOut, 4 * H, at.G, nCols * H * 4);
      const out = new Array<number>(rowIds.length * H).fill(0);
      const G = new Array<number>(nCols * H).fill(0);
      rowIds.forEach((g, r) => {
        for (let e = rowptr[g]!; e < rowptr[g + 1]!; e++)
          for (let j = 0; j < H; j++) {
            out[r * H + j]! += val[e]! * W[idx[e]! * H + j]!;
            G[idx[e]! * H + j]! += val[e]! * dOut[r * H + j]!;
          }
      });
      Array.from(f32.subarray(at.out / 4, at.out / 4 + out.length)).forEach((x, i) =>
        expect(x).toBeCloseTo(out[i]!, 5),
      );
      Array.from(f32.subarray(at.G / 4, at.G / 4 + G.length)).forEach((x, i) => expect(x).toBeCloseTo(G[i]!, 5));
    });
  }

  it("adam stores a subnormal moment as zero and moves every weight as PyTorch's formula does in float32", () => {
    const memory = new WebAssembly.Memory({ initial: 1 });
    const k = simdKernels(memory, 4)!;
    const f32 = new Float32Array(memory.buffer);
    const [b1, b2, a, s2, eps] = [0.9, 0.999, 0.003, 1.4, 1e-8].map(Math.fround) as number[] as [
      number,
      number,
      number,
      number,
      number,
    ];
    // Lanes: m decaying into the subnormals, at the smallest subnormal, of either sign, a normal
    // m; v subnormal, tiny gradients whose square is subnormal, a zero weight; then normal m whose
    // a m is subnormal (on weights of every size, a zero and a tiny one among them), and an m just
    // large enough for a normal a m.
    const p = [0.5, -0.25, 1e-3, 0, 2, -3, 0.125, 1e-20, 0.75, -1e-5, 0, 1e-30, 0.5, 2 ** -72];
    const g = [0, 0, -0, 0, 1e-21, 0, 0.5, -2e-20, 0, 0, 0, 0, 0, 0];
    const m = [1.2e-38, 2 ** -149, -5e-39, 1e-30, 0, 3e-39, 0.01, 0, 1e-36, -2e-37, 3e-36, -1e-36, 4.4e-36, 3e-36];
    const v = [1e-10, 1e-6, 2e-39, 1e-3, 0, 1e-40, 0.2, 1e-39, 1e-6, 1e-12, 0, 0, 1e-6, 0];
    while (p.length % 4) [p, g, m, v].forEach((xs) => xs.push(0));
    const at = { p: 0, g: 256, m: 512, v: 768 };
    for (const [name, xs] of [
      ["p", p],
      ["g", g],
      ["m", m],
      ["v", v],
    ] as const)
      f32.set(xs, at[name] / 4);
    k.adam(at.p, at.g, at.m, at.v, 4 * p.length, b1, b2, a, s2, eps);
    const f = Math.fround;
    const flushed = (x: number) => (Math.abs(x) < 2 ** -126 ? 0 : x);
    let skipped = 0;
    p.forEach((p0, j) => {
      const mj = f(f(b1 * f(m[j]!)) + f(f(1 - b1) * f(g[j]!)));
      const vj = f(f(b2 * f(v[j]!)) + f(f(1 - b2) * f(f(g[j]!) * f(g[j]!))));
      const pj = f(f(p0) - f(f(a * mj) / f(f(f(Math.sqrt(vj)) * s2) + eps)));
      expect(Object.is(f32[at.m / 4 + j], flushed(mj) === 0 ? 0 : mj)).toBe(true);
      expect(Object.is(f32[at.v / 4 + j], flushed(vj) === 0 ? 0 : vj)).toBe(true);
      const got = f32[at.p / 4 + j] as number;
      if (flushed(f(a * mj)) !== 0 || Math.abs(p0) >= 2 ** -72) expect(got).toBe(pj);
      else {
        // A subnormal a m leaves a weight this small as it was: the formula's move is under 2^-126 / eps.
        expect(got).toBe(f(p0));
        expect(Math.abs(got - pj)).toBeLessThan(2 ** -126 / eps);
        if (got !== pj) skipped++;
      }
    });
    expect(m.map((_, j) => f32[at.m / 4 + j])).toContain(0);
    expect(skipped).toBeGreaterThan(0);
  });

  it("broadcastAdd and groupSum move rows between prompts and their responses", () => {
    const memory = new WebAssembly.Memory({ initial: 1 });
    const k = simdKernels(memory, 8)!;
    const f32 = new Float32Array(memory.buffer);
    const B = 2;
    const n = 3;
    const H = 8;
    const member = Array.from({ length: B * n * H }, (_, i) => i);
    const group = Array.from({ length: B * H }, (_, i) => 100 * (i + 1));
    f32.set(member, 0);
    f32.set(group, 1024 / 4);
    k.broadcastAdd(0, 1024, B, n, 4 * H);
    member.forEach((m, i) => expect(f32[i]).toBe(m + group[Math.floor(i / (n * H)) * H + (i % H)]!));
    f32.set(member, 0);
    k.groupSum(0, 1024, B, n, 4 * H);
    for (let b = 0; b < B; b++)
      for (let j = 0; j < H; j++) {
        let s = 0;
        for (let i = 0; i < n; i++) s += member[(b * n + i) * H + j]!;
        expect(f32[256 + b * H + j]).toBe(s);
      }
  });
});
