/**
 * A tiny WebAssembly SIMD module for the sparse first layer, the fused Adam, the prompt-row
 * broadcasts and the fused head's passes, written as WAT listings (kernels below) that
 * ml/kernels/wasm-encoder.ts assembles.
 *
 * It imports the tfjs wasm backend's own memory, so it reads and writes tensors in place (no
 * copies). All pointers are byte offsets into that memory; H4 = 4 * H bytes per row, and H must
 * be a multiple of 4 (of 32 for the register-blocked kernels).
 *
 *   spmm(rowIds, nRows, rowptr, idx, val, W, H4, out)
 *       out[r, :] = sum_{k in row rowIds[r]} val[k] * W[idx[k], :]          (forward)
 *   spmmT(rowIds, nRows, rowptr, idx, val, dOut, H4, G, gBytes)
 *       G = 0; G[idx[k], :] += val[k] * dOut[r, :] for k in row rowIds[r]    (weight gradient)
 *   adam(p, g, m, v, nBytes, b1, b2, a, s2, eps)                            (fused Adam, in place)
 *   broadcastAdd(member, group, B, n, H4): member[b * n + i] += group[b]
 *   groupSum(member, group, B, n, H4):     group[b] = sum_i member[b * n + i]
 *   headForward, headBackward: the fused head's passes over the first layer's output (headListing)
 *   spmmGrouped(D, F, W, H4, setA..., setB...), spmmTGrouped(D, F, G, H4, setA..., setB...)
 *       spmm and spmmT over two sets of rows at once, the columns of the product taken in groups
 *       of F so that the rows of W or G being read stay in cache (H % 32 == 0 only)
 */
import { type FunctionListing, type ValueType, assembleModule } from "./wasm-encoder";

const i32 = (...names: string[]): [string, ValueType][] => names.map((n) => [n, "i32"]);
const v128 = (...names: string[]): [string, ValueType][] => names.map((n) => [n, "v128"]);
const lines = (n: number, line: (j: number) => string) => Array.from({ length: n }, (_, j) => line(j)).join("\n");

const CSR_PARAMS = ["rowIds", "nRows", "rowptr", "idx", "val", "mat", "H4", "dst"];

/** The byte address of row rowIds[r]'s entry in rowptr (the CSR row's first and end non-zero). */
const csrRowPointer = `(local.set $rowPtr (i32.add (local.get $rowptr)
  (i32.mul (i32.load (i32.add (local.get $rowIds) (i32.mul (local.get $r) (i32.const 4)))) (i32.const 4))))`;

/** `row * H4` bytes into `base`: the start of a dense row. */
const rowAt = (base: string, row: string) => `(i32.add (local.get $${base}) (i32.mul ${row} (local.get $H4)))`;
/** Row idx[k] of `base`. */
const indexedRow = (base: string) =>
  rowAt(base, "(i32.load (i32.add (local.get $idx) (i32.mul (local.get $k) (i32.const 4))))");
/** v = splat(val[k]). */
const splatValue =
  "(local.set $v (f32x4.splat (f32.load (i32.add (local.get $val) (i32.mul (local.get $k) (i32.const 4))))))";

/**
 * for r in [0, nRows): the CSR row rowIds[r], its non-zeros from `first` (a local) to kEnd, then
 * `body`.
 */
const forEachRow = (first: string, body: string) => `
(local.set $r (i32.const 0))
block $rowsDone
  loop $rows
    (br_if $rowsDone (i32.ge_u (local.get $r) (local.get $nRows)))
    ${csrRowPointer}
    (local.set $${first} (i32.load (local.get $rowPtr)))
    (local.set $kEnd (i32.load offset=4 (local.get $rowPtr)))
    ${body}
    (local.set $r (i32.add (local.get $r) (i32.const 1)))
    br $rows
  end
end`;

/**
 * acc[a + j] += v * src[s + j] over the H4 bytes from a to aEnd, `unroll` vectors of 4 floats per
 * trip (a, s, aEnd: i32 locals; v: a v128 local).
 */
function axpy(unroll: number, v = "v"): string {
  const step = (u: number) => `(v128.store offset=${16 * u} (local.get $a)
      (f32x4.add (v128.load offset=${16 * u} (local.get $a)) (f32x4.mul (local.get $${v}) (v128.load offset=${16 * u} (local.get $s)))))`;
  return `
  loop $axpy
    ${lines(unroll, step)}
    (local.set $a (i32.add (local.get $a) (i32.const ${16 * unroll})))
    (local.set $s (i32.add (local.get $s) (i32.const ${16 * unroll})))
    (br_if $axpy (i32.lt_u (local.get $a) (local.get $aEnd)))
  end`;
}

/**
 * The CSR walk, one row at a time, `unroll` vectors per inner trip. Forward accumulates the output
 * row from W rows; backward (the weight gradient) accumulates G rows from the dOut row.
 */
function csrListing(fwd: boolean, unroll: number): FunctionListing {
  return {
    name: fwd ? "spmm" : "spmmT",
    params: i32(...CSR_PARAMS, ...(fwd ? [] : ["gBytes"])),
    locals: [...i32("r", "k", "kEnd", "rowPtr", "a", "s", "aEnd"), ...v128("v")],
    body: `
${fwd ? "" : "(memory.fill (local.get $dst) (i32.const 0) (local.get $gBytes)) ;; G = 0"}
${forEachRow(
  "k",
  `
    ${fwd ? `(memory.fill ${rowAt("dst", "(local.get $r)")} (i32.const 0) (local.get $H4)) ;; out[r, :] = 0` : ""}
    block $nonZerosDone
      loop $nonZeros
        (br_if $nonZerosDone (i32.ge_u (local.get $k) (local.get $kEnd)))
        ${splatValue}
        ${
          fwd
            ? `(local.set $a ${rowAt("dst", "(local.get $r)")}) ;; out[r, :] += v * W[idx[k], :]
        (local.set $s ${indexedRow("mat")})`
            : `(local.set $a ${indexedRow("dst")}) ;; G[idx[k], :] += v * dOut[r, :]
        (local.set $s ${rowAt("mat", "(local.get $r)")})`
        }
        (local.set $aEnd (i32.add (local.get $a) (local.get $H4)))
        ${axpy(unroll)}
        (local.set $k (i32.add (local.get $k) (i32.const 1)))
        br $nonZeros
      end
    end
`,
)}`,
  };
}

/**
 * The register-blocked CSR walk (H % 32 == 0): the output row (forward) or the dOut row
 * (backward) is processed in blocks of 32 floats held in 8 v128 locals, so the inner loop over
 * non-zeros does one load (forward) or one load and store (backward) per 4 floats instead of two
 * or three.
 */
function csrBlockedListing(fwd: boolean): FunctionListing {
  const acc = (j: number) => `$acc${j}`;
  return {
    name: fwd ? "spmm" : "spmmT",
    params: i32(...CSR_PARAMS, ...(fwd ? [] : ["gBytes"])),
    locals: [
      ...i32("r", "k", "kStart", "kEnd", "rowPtr", "cb", "p", "q"),
      ...v128("v", ...Array.from({ length: 8 }, (_, j) => `acc${j}`)),
    ],
    body: `
${fwd ? "" : "(memory.fill (local.get $dst) (i32.const 0) (local.get $gBytes)) ;; G = 0"}
${forEachRow(
  "kStart",
  `
    (local.set $cb (i32.const 0)) ;; the block's first byte within a row
    block $blocksDone
      loop $blocks
        (br_if $blocksDone (i32.ge_u (local.get $cb) (local.get $H4)))
        ;; q = the block of the dense row: out[r] (forward) or dOut[r] (backward)
        (local.set $q (i32.add ${rowAt(fwd ? "dst" : "mat", "(local.get $r)")} (local.get $cb)))
        ${lines(8, (j) => (fwd ? `(local.set ${acc(j)} (f32x4.splat (f32.const 0)))` : `(local.set ${acc(j)} (v128.load offset=${16 * j} (local.get $q)))`))}
        (local.set $k (local.get $kStart))
        block $nonZerosDone
          loop $nonZeros
            (br_if $nonZerosDone (i32.ge_u (local.get $k) (local.get $kEnd)))
            ${splatValue}
            ;; p = the block of row idx[k] of W (forward) or G (backward)
            (local.set $p (i32.add ${indexedRow(fwd ? "mat" : "dst")} (local.get $cb)))
            ${lines(8, (j) =>
              fwd
                ? `(local.set ${acc(j)} (f32x4.add (local.get ${acc(j)}) (f32x4.mul (local.get $v) (v128.load offset=${16 * j} (local.get $p)))))`
                : `(v128.store offset=${16 * j} (local.get $p) (f32x4.add (v128.load offset=${16 * j} (local.get $p)) (f32x4.mul (local.get $v) (local.get ${acc(j)}))))`,
            )}
            (local.set $k (i32.add (local.get $k) (i32.const 1)))
            br $nonZeros
          end
        end
        ${fwd ? lines(8, (j) => `(v128.store offset=${16 * j} (local.get $q) (local.get ${acc(j)}))`) : ""}
        (local.set $cb (i32.add (local.get $cb) (i32.const 128)))
        br $blocks
      end
    end
`,
)}`,
  };
}

/** The parameters of one set of rows in the grouped walk (see groupedListing). */
const rowSetParams = (s: string) => ["ids", "nRows", "rowptr", "idx", "val", "dense", "cursor"].map((p) => `${p}${s}`);
/** Element i of an i32 or f32 array at `base` (a local). */
const element = (base: string, i: string) => `(i32.add (local.get $${base}) (i32.mul (local.get $${i}) (i32.const 4)))`;

/**
 * One row set's pass over the current feature group (features below $limit) in the grouped walk:
 * each row's non-zeros from its cursor to the first index at or past $limit, in 32-float blocks.
 */
function groupedRowSet(s: string, fwd: boolean): string {
  return `
    (local.set $r (i32.const 0))
    block $rowsDone${s}
      loop $rows${s}
        (br_if $rowsDone${s} (i32.ge_u (local.get $r) (local.get $nRows${s})))
        (local.set $kStart (i32.load ${element(`cursor${s}`, "r")}))
        (local.set $kEnd (i32.load offset=4 (i32.add (local.get $rowptr${s}) (i32.mul (i32.load ${element(`ids${s}`, "r")}) (i32.const 4)))))
        ;; kq = the end of the row's non-zeros in this group (the row's indices ascend)
        (local.set $kq (local.get $kStart))
        block $scanDone${s}
          loop $scan${s}
            (br_if $scanDone${s} (i32.ge_u (local.get $kq) (local.get $kEnd)))
            (br_if $scanDone${s} (i32.ge_u (i32.load ${element(`idx${s}`, "kq")}) (local.get $limit)))
            (local.set $kq (i32.add (local.get $kq) (i32.const 1)))
            br $scan${s}
          end
        end
        (i32.store ${element(`cursor${s}`, "r")} (local.get $kq))
        (local.set $cb (i32.const 0)) ;; the block's first byte within a row
        block $blocksDone${s}
          loop $blocks${s}
            (br_if $blocksDone${s} (i32.ge_u (local.get $kStart) (local.get $kq))) ;; no non-zero in this group
            (br_if $blocksDone${s} (i32.ge_u (local.get $cb) (local.get $H4)))
            ;; q = the block of the dense row: out[r] (forward, accumulated over the groups) or dOut[r] (backward)
            (local.set $q (i32.add ${rowAt(`dense${s}`, "(local.get $r)")} (local.get $cb)))
            ${lines(8, (j) => `(local.set $acc${j} (v128.load offset=${16 * j} (local.get $q)))`)}
            (local.set $k (local.get $kStart))
            block $nonZerosDone${s}
              loop $nonZeros${s}
                (br_if $nonZerosDone${s} (i32.ge_u (local.get $k) (local.get $kq)))
                (local.set $value (f32x4.splat (f32.load ${element(`val${s}`, "k")})))
                ;; at = the block of row idx[k] of W (forward) or G (backward)
                (local.set $at (i32.add ${rowAt("mat", `(i32.load ${element(`idx${s}`, "k")})`)} (local.get $cb)))
                ${lines(8, (j) =>
                  fwd
                    ? `(local.set $acc${j} (f32x4.add (local.get $acc${j}) (f32x4.mul (local.get $value) (v128.load offset=${16 * j} (local.get $at)))))`
                    : `(v128.store offset=${16 * j} (local.get $at) (f32x4.add (v128.load offset=${16 * j} (local.get $at)) (f32x4.mul (local.get $value) (local.get $acc${j}))))`,
                )}
                (local.set $k (i32.add (local.get $k) (i32.const 1)))
                br $nonZeros${s}
              end
            end
            ${fwd ? lines(8, (j) => `(v128.store offset=${16 * j} (local.get $q) (local.get $acc${j}))`) : ""}
            (local.set $cb (i32.add (local.get $cb) (i32.const 128)))
            br $blocks${s}
          end
        end
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        br $rows${s}
      end
    end`;
}

/**
 * The grouped CSR walk (H % 32 == 0) over two row sets, A and B (the responses and their prompts):
 * the columns of W (forward) or G (backward) are taken in groups of F rows of the dense matrix,
 * and each group walks every row's non-zeros that fall in it, so the rows of W or G that a group
 * reads and writes (F * H4 bytes) stay in the core's caches instead of being fetched from the
 * whole matrix at random. A cursor per row (an i32 array per set) keeps where the row's walk
 * stopped, so each row's non-zeros are met once and in their order whatever it is (the last group
 * takes all that are left). The featurizer writes each row's indices ascending: then every sum is
 * the one the row-at-a-time walk makes, term for term in the same order, and so are the bits.
 *   forward:  dense_s = 0; dense_s[r, :] += val[k] * mat[idx[k], :]    (mat = W)
 *   backward: mat = 0;     mat[idx[k], :] += val[k] * dense_s[r, :]    (mat = G, D rows)
 */
type GroupedWalk = "forward" | "gradient" | "adam";

/**
 * The grouped walk (see above) as a function: forward, the weight gradient, or the weight gradient
 * one group at a time into a group-sized buffer, each group's rows then updated by Adam at once
 * (the whole gradient never exists; each element's update is the adam kernel's, bit for bit).
 */
function groupedListing(walk: GroupedWalk): FunctionListing {
  const sets = ["A", "B"];
  const fwd = walk === "forward";
  const zero = {
    forward: sets.map(
      (s) => `(memory.fill (local.get $dense${s}) (i32.const 0) (i32.mul (local.get $nRows${s}) (local.get $H4)))`,
    ),
    gradient: ["(memory.fill (local.get $mat) (i32.const 0) (i32.mul (local.get $D) (local.get $H4)))"],
    adam: [adamSplats],
  }[walk];
  const startCursors = sets.map(
    (s) => `
(local.set $r (i32.const 0))
block $cursorsDone${s}
  loop $cursors${s}
    (br_if $cursorsDone${s} (i32.ge_u (local.get $r) (local.get $nRows${s})))
    (i32.store ${element(`cursor${s}`, "r")} (i32.load (i32.add (local.get $rowptr${s}) (i32.mul (i32.load ${element(`ids${s}`, "r")}) (i32.const 4)))))
    (local.set $r (i32.add (local.get $r) (i32.const 1)))
    br $cursors${s}
  end
end`,
  );
  // Adam: the group's gradient rows [first, limit) live in $gbuf, which $mat addresses as if it
  // were the whole G; after the walk, Adam updates the group's rows of p, m and v.
  const groupStart =
    walk === "adam"
      ? `
    (local.set $first (local.get $limit))
    (local.set $mat (i32.sub (local.get $gbuf) (i32.mul (local.get $first) (local.get $H4))))`
      : "";
  const groupEnd =
    walk === "adam"
      ? `
    (local.set $last (local.get $limit))
    block $inRange
      (br_if $inRange (i32.ge_u (local.get $D) (local.get $last)))
      (local.set $last (local.get $D))
    end
    (local.set $nBytes (i32.mul (i32.sub (local.get $last) (local.get $first)) (local.get $H4)))
    (local.set $pAt (i32.add (local.get $p) (i32.mul (local.get $first) (local.get $H4))))
    (local.set $mAt (i32.add (local.get $m) (i32.mul (local.get $first) (local.get $H4))))
    (local.set $vAt (i32.add (local.get $v) (i32.mul (local.get $first) (local.get $H4))))
    ${adamPass({ p: "pAt", g: "gbuf", m: "mAt", v: "vAt", nBytes: "nBytes" })}`
      : "";
  const zeroGroup =
    walk === "adam" ? "(memory.fill (local.get $gbuf) (i32.const 0) (i32.mul (local.get $F) (local.get $H4)))" : "";
  return {
    name: { forward: "spmmGrouped", gradient: "spmmTGrouped", adam: "spmmTGroupedAdam" }[walk],
    params:
      walk === "adam"
        ? [...i32("D", "F", "gbuf", "H4", ...sets.flatMap(rowSetParams), "p", "m", "v"), ...ADAM_COEFFICIENTS]
        : i32("D", "F", "mat", "H4", ...sets.flatMap(rowSetParams)),
    locals: [
      ...i32("limit", "r", "k", "kStart", "kEnd", "kq", "cb", "q", "at"),
      ...(walk === "adam" ? i32("mat", "first", "last", "nBytes", "pAt", "mAt", "vAt", "i") : []),
      ...v128("value", ...Array.from({ length: 8 }, (_, j) => `acc${j}`)),
      ...(walk === "adam" ? ADAM_LOCALS : []),
    ],
    body: `
${zero.join("\n")}
;; each row's cursor starts at its first non-zero
${startCursors.join("\n")}
(local.set $limit (i32.const 0))
block $groupsDone
  loop $groups
    (br_if $groupsDone (i32.ge_u (local.get $limit) (local.get $D)))
    ${groupStart}
    ${zeroGroup}
    (local.set $limit (i32.add (local.get $limit) (local.get $F)))
    ${sets.map((s) => groupedRowSet(s, fwd)).join("\n")}
    ${groupEnd}
    br $groups
  end
end`,
  };
}

/**
 * Fused Adam (PyTorch's formula) over nBytes (4 floats at a time, a multiple of 16), in place:
 *   m = b1 m + (1 - b1) g;  v = b2 v + (1 - b2) g^2;  p -= a * m / (sqrt(v) * s2 + eps)
 * with a = lr / (1 - b1^t) and s2 = 1 / sqrt(1 - b2^t), a subnormal m or v stored as zero, and no
 * update where a m would be subnormal.
 *
 * Why: a weight whose gradient stays zero (a feature absent from recent batches, a hidden unit dead
 * on every row) has its m shrink by b1 every step into the subnormals and stay there (0.9 times the
 * smallest subnormal rounds back to it), and x86 takes a microcode assist for every vector
 * instruction that reads or makes a subnormal, tens of times the instruction's cost: after ~700
 * steps of the paper-size run a fifth of the first layer's m was subnormal and Adam took three
 * times as long. On the way there, a m (and the quotient and the weight's update) is subnormal for
 * the ~65 steps m takes to fall from 2^-126 / a to 2^-126, with the same assists. Neither the flush
 * nor the skip moves a weight: where a m is subnormal the update,
 * a m / (sqrt(v) s2 + eps), is under 2^-126 / eps (1.2e-30), less than a quarter of an ulp of any
 * weight of magnitude 2^-72 (2e-22) or more, which it therefore leaves as it is; the next m
 * differs only where the gradient is as small; a zero v leaves the denominator's bits (sqrt(v) s2
 * vanishes beside eps).
 */
const ADAM_COEFFICIENTS = ["b1", "b2", "a", "s2", "eps"].map((n) => [n, "f32"]) as [string, ValueType][];
const ADAM_LOCALS = v128("vb1", "vc1", "vb2", "vc2", "va", "vs2", "veps", "vtiny", "vtinyStep", "vg", "vm", "vv");

/** The coefficients as vectors (from the f32 parameters b1, b2, a, s2, eps). */
const adamSplats = `
(local.set $vb1 (f32x4.splat (local.get $b1)))
(local.set $vc1 (f32x4.splat (f32.sub (f32.const 1) (local.get $b1))))
(local.set $vb2 (f32x4.splat (local.get $b2)))
(local.set $vc2 (f32x4.splat (f32.sub (f32.const 1) (local.get $b2))))
(local.set $va (f32x4.splat (local.get $a)))
(local.set $vs2 (f32x4.splat (local.get $s2)))
(local.set $veps (f32x4.splat (local.get $eps)))
;; the smallest normal float, 2^-126
(local.set $vtiny (f32x4.splat (f32.const 1.1754943508222875e-38)))
;; the smallest m whose a m is normal, and at least 2^-126
(local.set $vtinyStep (f32x4.splat
  (f32.max (f32.const 1.1754943508222875e-38) (f32.div (f32.const 1.1754943508222875e-38) (local.get $a)))))`;

/** The vector local x with its lanes under the vector local `below` in magnitude set to +0. */
const zeroBelow = (x: string, below: string) =>
  `(v128.andnot (local.get $${x}) (f32x4.lt (f32x4.abs (local.get $${x})) (local.get $${below})))`;
/** The vector local x with its subnormal lanes (|x| < 2^-126, zeros too) set to +0. */
const flushSubnormal = (x: string) => zeroBelow(x, "vtiny");

/** The update over nBytes of parameters, gradient and moments at the i32 locals named (byte index $i). */
const adamPass = ({ p = "p", g = "g", m = "m", v = "v", nBytes = "nBytes" } = {}) => `
(local.set $i (i32.const 0))
block $done
  (br_if $done (i32.ge_u (local.get $i) (local.get $${nBytes})))
  loop $next
    (local.set $vg (v128.load (i32.add (local.get $${g}) (local.get $i))))
    ;; m = b1 m + (1 - b1) g
    (local.set $vm (f32x4.add
      (f32x4.mul (local.get $vb1) (v128.load (i32.add (local.get $${m}) (local.get $i))))
      (f32x4.mul (local.get $vc1) (local.get $vg))))
    (v128.store (i32.add (local.get $${m}) (local.get $i)) (local.tee $vm ${flushSubnormal("vm")}))
    ;; v = b2 v + (1 - b2) g^2
    (local.set $vv (f32x4.add
      (f32x4.mul (local.get $vb2) (v128.load (i32.add (local.get $${v}) (local.get $i))))
      (f32x4.mul (local.get $vc2) (f32x4.mul (local.get $vg) (local.get $vg)))))
    (v128.store (i32.add (local.get $${v}) (local.get $i)) (local.tee $vv ${flushSubnormal("vv")}))
    ;; p -= a m / (sqrt(v) s2 + eps), where a m is normal
    (v128.store (i32.add (local.get $${p}) (local.get $i)) (f32x4.sub
      (v128.load (i32.add (local.get $${p}) (local.get $i)))
      (f32x4.div (f32x4.mul (local.get $va) ${zeroBelow("vm", "vtinyStep")})
        (f32x4.add (f32x4.mul (f32x4.sqrt (local.get $vv)) (local.get $vs2)) (local.get $veps)))))
    (br_if $next (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 16))) (local.get $${nBytes})))
  end
end`;

const adamListing: FunctionListing = {
  name: "adam",
  params: [...i32("p", "g", "m", "v", "nBytes"), ...ADAM_COEFFICIENTS],
  locals: [...i32("i"), ...ADAM_LOCALS],
  body: `${adamSplats}${adamPass()}`,
};

/**
 * Row broadcasts between B group rows and B * n member rows (H4 bytes each), 4 floats at a time:
 *   expand (broadcastAdd): member[b * n + i] += group[b]
 *   reduce (groupSum):     group[b] = sum_i member[b * n + i]   (group zeroed first)
 */
function groupRowsListing(expand: boolean): FunctionListing {
  return {
    name: expand ? "broadcastAdd" : "groupSum",
    params: i32("member", "group", "B", "n", "H4"),
    locals: [...i32("b", "i", "a", "s", "aEnd", "grow", "mrow"), ...v128("one")],
    body: `
(local.set $one (f32x4.splat (f32.const 1)))
${expand ? "" : "(memory.fill (local.get $group) (i32.const 0) (i32.mul (local.get $B) (local.get $H4))) ;; group = 0"}
(local.set $mrow (local.get $member))
(local.set $b (i32.const 0))
block $groupsDone
  loop $groups
    (br_if $groupsDone (i32.ge_u (local.get $b) (local.get $B)))
    (local.set $grow ${rowAt("group", "(local.get $b)")})
    (local.set $i (i32.const 0))
    block $membersDone
      loop $members
        (br_if $membersDone (i32.ge_u (local.get $i) (local.get $n)))
        ${expand ? "(local.set $a (local.get $mrow)) (local.set $s (local.get $grow))" : "(local.set $a (local.get $grow)) (local.set $s (local.get $mrow))"}
        (local.set $aEnd (i32.add (local.get $a) (local.get $H4)))
        ${axpy(1, "one")}
        (local.set $mrow (i32.add (local.get $mrow) (local.get $H4)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        br $members
      end
    end
    (local.set $b (i32.add (local.get $b) (i32.const 1)))
    br $groups
  end
end`,
  };
}

/**
 * The fused head's two passes over the first layer's output A [R, H] (float32, before its bias b1)
 * with the output weight w [H] (ml/training/head.ts holds the loss between them and says what the
 * head computes). In float64, two columns at a time, each operation the host loop's, in its order,
 * so every result has the host's bits:
 *   headForward:  twice[r] = sum_j (pre + |pre|) w[j], pre = A[r, j] + b1[j], summed j = 0, 1, ...
 *   headBackward: for each row r whose dScores[r] is not zero, with pre as above,
 *                 d = ((pre > 0 ? 1 : 0) dScores[r]) w[j];  dA[r, j] = d (float32),
 *                 sumB1[j] += d,  sumW[j] += (pre + |pre|) dScores[r]   (rows in order);
 *                 dA's other rows are zero, and sumB1 and sumW are zeroed first.
 * twice, dScores, sumB1 and sumW are float64 arrays.
 */
function headListing(forward: boolean): FunctionListing {
  // The f32 pair at byte j of a row, as two float64 lanes.
  const pair = (base: string) =>
    `(f64x2.promote_low_f32x4 (v128.load64_zero (i32.add (local.get $${base}) (local.get $j))))`;
  const pre = `(local.set $pre (f64x2.add ${pair("row")} ${pair("b1")}))`;
  const relu2 = "(f64x2.add (local.get $pre) (f64x2.abs (local.get $pre)))";
  const columns = (body: string) => `
    (local.set $j (i32.const 0)) ;; the pair's byte in a float32 row; twice that in a float64 array
    loop $columns
      ${pre}
      ${body}
      (br_if $columns (i32.lt_u (local.tee $j (i32.add (local.get $j) (i32.const 8))) (local.get $H4)))
    end`;
  const forwardRow = `
    (local.set $sum (f64.const 0))
    ${columns(`(local.set $t (f64x2.mul ${relu2} ${pair("w")}))
      (local.set $sum (f64.add (f64.add (local.get $sum) (f64x2.extract_lane 0 (local.get $t))) (f64x2.extract_lane 1 (local.get $t))))`)}
    (f64.store (i32.add (local.get $twice) (i32.mul (local.get $r) (i32.const 8))) (local.get $sum))`;
  const f64At = (base: string) => `(i32.add (local.get $${base}) (i32.add (local.get $j) (local.get $j)))`;
  const backwardRow = `
    (local.set $ds (f64.load (i32.add (local.get $dScores) (i32.mul (local.get $r) (i32.const 8)))))
    block $rowDone
      block $nonZero
        (br_if $nonZero (f64.ne (local.get $ds) (f64.const 0)))
        (memory.fill (local.get $dRow) (i32.const 0) (local.get $H4))
        (br $rowDone)
      end
      (local.set $vds (f64x2.splat (local.get $ds)))
      ${columns(`(local.set $d (f64x2.mul
        (f64x2.mul (v128.and (f64x2.gt (local.get $pre) (local.get $zero)) (local.get $one)) (local.get $vds))
        ${pair("w")}))
      (v128.store64_lane 0 (i32.add (local.get $dRow) (local.get $j)) (f32x4.demote_f64x2_zero (local.get $d)))
      (v128.store ${f64At("sumB1")} (f64x2.add (v128.load ${f64At("sumB1")}) (local.get $d)))
      (v128.store ${f64At("sumW")} (f64x2.add (v128.load ${f64At("sumW")}) (f64x2.mul ${relu2} (local.get $vds))))`)}
    end
    (local.set $dRow (i32.add (local.get $dRow) (local.get $H4)))`;
  return {
    name: forward ? "headForward" : "headBackward",
    params: forward
      ? i32("A", "b1", "w", "R", "H4", "twice")
      : i32("A", "b1", "w", "dScores", "R", "H4", "dA", "sumB1", "sumW"),
    locals: [
      ...i32("r", "row", "j", ...(forward ? [] : ["dRow"])),
      ...(forward ? [["sum", "f64"] as [string, ValueType]] : [["ds", "f64"] as [string, ValueType]]),
      ...v128("pre", ...(forward ? ["t"] : ["d", "vds", "zero", "one"])),
    ],
    body: `
${
  forward
    ? ""
    : `(memory.fill (local.get $sumB1) (i32.const 0) (i32.add (local.get $H4) (local.get $H4)))
(memory.fill (local.get $sumW) (i32.const 0) (i32.add (local.get $H4) (local.get $H4)))
(local.set $zero (f64x2.splat (f64.const 0)))
(local.set $one (f64x2.splat (f64.const 1)))
(local.set $dRow (local.get $dA))`
}
(local.set $row (local.get $A))
(local.set $r (i32.const 0))
block $rowsDone
  loop $rows
    (br_if $rowsDone (i32.ge_u (local.get $r) (local.get $R)))
    ${forward ? forwardRow : backwardRow}
    (local.set $row (i32.add (local.get $row) (local.get $H4)))
    (local.set $r (i32.add (local.get $r) (i32.const 1)))
    br $rows
  end
end`,
  };
}

/**
 * The module's functions, in export order; `unroll` vectors of 4 floats per inner trip
 * (H % (4 * unroll) == 0); unroll 8 selects the register-blocked CSR kernels (H % 32 == 0).
 */
export function simdListings(unroll: number): FunctionListing[] {
  const csr =
    unroll === 8
      ? [csrBlockedListing(true), csrBlockedListing(false)]
      : [csrListing(true, unroll), csrListing(false, unroll)];
  const grouped = unroll === 8 ? (["forward", "gradient", "adam"] as const).map(groupedListing) : [];
  return [
    ...csr,
    adamListing,
    groupRowsListing(true),
    groupRowsListing(false),
    headListing(true),
    headListing(false),
    ...grouped,
  ];
}

type RowSet = [rowIds: number, nRows: number, rowptr: number, idx: number, val: number, dense: number, cursor: number];
/** Two row sets of the grouped walks, one after the other. */
export type GroupedRowSet = [...RowSet, ...RowSet];

/** Adam's f32 arguments: beta1, beta2, lr / (1 - beta1^t), 1 / sqrt(1 - beta2^t), eps. */
type AdamCoefficients = [b1: number, b2: number, a: number, s2: number, eps: number];

export interface SimdKernels {
  spmm(
    rowIds: number,
    nRows: number,
    rowptr: number,
    idx: number,
    val: number,
    W: number,
    H4: number,
    out: number,
  ): void;
  spmmT(
    rowIds: number,
    nRows: number,
    rowptr: number,
    idx: number,
    val: number,
    dOut: number,
    H4: number,
    G: number,
    gBytes: number,
  ): void;
  adam(p: number, g: number, m: number, v: number, nBytes: number, ...coefficients: AdamCoefficients): void;
  broadcastAdd(member: number, group: number, B: number, n: number, H4: number): void;
  groupSum(member: number, group: number, B: number, n: number, H4: number): void;
  /** The fused head's passes (headListing): byte offsets of float32 A, b1, w, dA and float64 arrays. */
  headForward(A: number, b1: number, w: number, R: number, H4: number, twice: number): void;
  headBackward(
    A: number,
    b1: number,
    w: number,
    dScores: number,
    R: number,
    H4: number,
    dA: number,
    sumB1: number,
    sumW: number,
  ): void;
  /**
   * The grouped walks over two row sets (register-blocked modules only, H % 32 == 0); each set is
   * (rowIds, nRows, rowptr, idx, val, dense rows, cursor: nRows i32 of scratch).
   */
  spmmGrouped?(D: number, F: number, W: number, H4: number, ...sets: GroupedRowSet): void;
  spmmTGrouped?(D: number, F: number, G: number, H4: number, ...sets: GroupedRowSet): void;
  /**
   * spmmTGrouped with Adam: gbuf holds F rows of gradient (scratch); p, m, v are the weight and
   * its moments, updated in place as the adam kernel would with the whole gradient.
   */
  spmmTGroupedAdam?(
    D: number,
    F: number,
    gbuf: number,
    H4: number,
    ...rest: [...GroupedRowSet, p: number, m: number, v: number, ...AdamCoefficients]
  ): void;
  /** Vector width in floats that H must be a multiple of. */
  multiple: number;
}

/** The module bytes for `unroll` (see simdListings). */
export function simdModuleBytes(unroll: number): Uint8Array<ArrayBuffer> {
  return assembleModule(simdListings(unroll));
}

const cache = new WeakMap<WebAssembly.Memory, Map<number, SimdKernels>>();

/**
 * Instantiate the kernels against a WebAssembly.Memory (synchronously; the module is tiny).
 * `blocked` (default on) holds 32 output columns in registers when H allows; off is for measuring.
 */
export function simdKernels(
  memory: WebAssembly.Memory,
  H: number,
  { blocked = true }: { blocked?: boolean } = {},
): SimdKernels | null {
  const unroll = blocked && H % 32 === 0 ? 8 : H % 16 === 0 ? 4 : H % 8 === 0 ? 2 : H % 4 === 0 ? 1 : 0;
  if (unroll === 0) return null;
  let perMemory = cache.get(memory);
  if (!perMemory) {
    perMemory = new Map();
    cache.set(memory, perMemory);
  }
  const hit = perMemory.get(unroll);
  if (hit) return hit;
  const bytes = simdModuleBytes(unroll);
  if (!WebAssembly.validate(bytes)) return null; // e.g. an engine without SIMD
  const mod = new WebAssembly.Module(bytes);
  const inst = new WebAssembly.Instance(mod, { env: { memory } });
  const ex = inst.exports as unknown as Omit<SimdKernels, "multiple">;
  const k: SimdKernels = { ...ex, multiple: 4 * unroll };
  perMemory.set(unroll, k);
  return k;
}
