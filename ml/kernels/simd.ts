/**
 * A tiny hand-assembled WebAssembly SIMD module for the sparse first layer.
 *
 * It imports the tfjs wasm backend's own memory, so it reads and writes tensors in place (no
 * copies). Two exported functions, both `acc[a..a+H) += v * src[s..s+H)` loops over CSR rows:
 *
 *   spmm(rowIds, nRows, rowptr, idx, val, W, H4, out)
 *       out[r, :] = sum_{k in row rowIds[r]} val[k] * W[idx[k], :]          (forward)
 *   spmmT(rowIds, nRows, rowptr, idx, val, dOut, H4, G, gBytes)
 *       G = 0; G[idx[k], :] += val[k] * dOut[r, :] for k in row rowIds[r]    (weight gradient)
 *
 * All pointers are byte offsets into the shared memory; H4 = 4 * H and H must be a multiple of 4.
 */

const I32 = 0x7f;
const F32 = 0x7d;
const V128 = 0x7b;

function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n !== 0) b |= 0x80;
    out.push(b);
  } while (n !== 0);
  return out;
}

function sleb(n: number): number[] {
  const out: number[] = [];
  for (;;) {
    const b = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (b & 0x40) === 0) || (n === -1 && (b & 0x40) !== 0)) {
      out.push(b);
      return out;
    }
    out.push(b | 0x80);
  }
}

function str(s: string): number[] {
  const bytes = [...Buffer.from(s, "utf8")];
  return [...uleb(bytes.length), ...bytes];
}

function section(id: number, body: number[]): number[] {
  return [id, ...uleb(body.length), ...body];
}

function vec(items: number[][]): number[] {
  return [...uleb(items.length), ...items.flat()];
}

// Instruction helpers.
const get = (i: number) => [0x20, ...uleb(i)];
const set = (i: number) => [0x21, ...uleb(i)];
const i32c = (n: number) => [0x41, ...sleb(n)];
const add = [0x6a];
const mul = [0x6c];
const geU = [0x4f];
const ltU = [0x49];
const load32 = (offset = 0) => [0x28, 2, ...uleb(offset)];
const loadF32 = [0x2a, 2, 0];
const v128load = (offset: number) => [0xfd, 0x00, 4, ...uleb(offset)];
const v128store = (offset: number) => [0xfd, 0x0b, 4, ...uleb(offset)];
const f32x4splat = [0xfd, 0x13];
const f32x4add = [0xfd, ...uleb(0xe4)];
const f32x4mul = [0xfd, ...uleb(0xe6)];
const f32x4sub = [0xfd, ...uleb(0xe5)];
const f32x4div = [0xfd, ...uleb(0xe7)];
const f32x4sqrt = [0xfd, ...uleb(0xe3)];
const tee = (i: number) => [0x22, ...uleb(i)];
const block = [0x02, 0x40];
const loop = [0x03, 0x40];
const end = [0x0b];
const br = (l: number) => [0x0c, ...uleb(l)];
const brIf = (l: number) => [0x0d, ...uleb(l)];
const memFill = [0xfc, ...uleb(11), 0x00];

/**
 * Inner loop: acc[a + j] += v * src[s + j] for j in [0, H4) bytes, `unroll` vectors per trip.
 * Locals: a (accumulator ptr), s (source ptr), aEnd, v (v128).
 */
function axpy(a: number, s: number, aEnd: number, v: number, unroll: number): number[] {
  const body: number[] = [];
  for (let u = 0; u < unroll; u++) {
    const off = 16 * u;
    body.push(...get(a), ...get(a), ...v128load(off), ...get(v), ...get(s), ...v128load(off));
    body.push(...f32x4mul, ...f32x4add, ...v128store(off));
  }
  return [
    ...loop,
    ...body,
    ...get(a),
    ...i32c(16 * unroll),
    ...add,
    ...set(a),
    ...get(s),
    ...i32c(16 * unroll),
    ...add,
    ...set(s),
    ...get(a),
    ...get(aEnd),
    ...ltU,
    ...brIf(0),
    ...end,
  ];
}

/**
 * Shared CSR walk. `fwd` selects the roles: forward accumulates into the output row from W rows,
 * backward accumulates into G rows from the dOut row.
 */
function csrFunction(fwd: boolean, unroll: number): { params: number[]; locals: number[][]; code: number[] } {
  // params
  const rowIds = 0,
    nRows = 1,
    rowptr = 2,
    idx = 3,
    val = 4,
    mat = 5,
    H4 = 6,
    dst = 7;
  const gBytes = 8; // only for backward
  const nParams = fwd ? 8 : 9;
  // locals
  const r = nParams,
    k = r + 1,
    kEnd = r + 2,
    rowPtr = r + 3,
    a = r + 4,
    s = r + 5,
    aEnd = r + 6,
    v = r + 7;
  const code: number[] = [];
  if (!fwd) code.push(...get(dst), ...i32c(0), ...get(gBytes), ...memFill);
  code.push(...i32c(0), ...set(r));
  code.push(...block, ...loop);
  code.push(...get(r), ...get(nRows), ...geU, ...brIf(1));
  // g = rowIds[r]; rowPtr = rowptr + 4 * g
  code.push(
    ...get(rowptr),
    ...get(rowIds),
    ...get(r),
    ...i32c(4),
    ...mul,
    ...add,
    ...load32(),
    ...i32c(4),
    ...mul,
    ...add,
    ...set(rowPtr),
  );
  code.push(...get(rowPtr), ...load32(0), ...set(k));
  code.push(...get(rowPtr), ...load32(4), ...set(kEnd));
  if (fwd) {
    // zero the output row: memory.fill(dst + r*H4, 0, H4)
    code.push(...get(dst), ...get(r), ...get(H4), ...mul, ...add, ...i32c(0), ...get(H4), ...memFill);
  }
  code.push(...block, ...loop);
  code.push(...get(k), ...get(kEnd), ...geU, ...brIf(1));
  // v = splat(val[k])
  code.push(...get(val), ...get(k), ...i32c(4), ...mul, ...add, ...loadF32, ...f32x4splat, ...set(v));
  // rowOfMat = mat + idx[k] * H4 ; rowOfVec = dst/mat + r * H4
  const matRow = [
    ...get(mat),
    ...get(idx),
    ...get(k),
    ...i32c(4),
    ...mul,
    ...add,
    ...load32(),
    ...get(H4),
    ...mul,
    ...add,
  ];
  if (fwd) {
    // a = dst + r*H4 (output row), s = W row
    code.push(...get(dst), ...get(r), ...get(H4), ...mul, ...add, ...set(a));
    code.push(...matRow, ...set(s));
  } else {
    // a = G row idx[k], s = dOut row r
    const gRow = [
      ...get(dst),
      ...get(idx),
      ...get(k),
      ...i32c(4),
      ...mul,
      ...add,
      ...load32(),
      ...get(H4),
      ...mul,
      ...add,
    ];
    code.push(...gRow, ...set(a));
    code.push(...get(mat), ...get(r), ...get(H4), ...mul, ...add, ...set(s));
  }
  code.push(...get(a), ...get(H4), ...add, ...set(aEnd));
  code.push(...axpy(a, s, aEnd, v, unroll));
  code.push(...get(k), ...i32c(1), ...add, ...set(k), ...br(0));
  code.push(...end, ...end);
  code.push(...get(r), ...i32c(1), ...add, ...set(r), ...br(0));
  code.push(...end, ...end);
  code.push(...end);
  return {
    params: Array<number>(nParams).fill(I32),
    locals: [
      [...uleb(7), I32],
      [...uleb(1), V128],
    ],
    code,
  };
}

/**
 * Fused Adam (PyTorch's formula) over n4 = 4 * (floats, a multiple of 4) bytes, in place:
 *   m = b1 m + (1 - b1) g;  v = b2 v + (1 - b2) g^2;  p -= a * m / (sqrt(v) * s2 + eps)
 * with a = lr / (1 - b1^t) and s2 = 1 / sqrt(1 - b2^t).
 */
function adamFunction(): { params: number[]; locals: number[][]; code: number[] } {
  const p = 0,
    g = 1,
    m = 2,
    v = 3,
    nBytes = 4,
    b1 = 5,
    b2 = 6,
    a = 7,
    s2 = 8,
    eps = 9;
  const i = 10; // i32 local
  const vb1 = 11,
    vc1 = 12,
    vb2 = 13,
    vc2 = 14,
    va = 15,
    vs2 = 16,
    veps = 17,
    vg = 18,
    vm = 19,
    vv = 20; // v128
  const splat = (src: number[], dst: number) => [...src, ...f32x4splat, ...set(dst)];
  const f32one = [0x43, 0x00, 0x00, 0x80, 0x3f]; // f32.const 1
  const code: number[] = [
    ...splat(get(b1), vb1),
    ...splat([...f32one, ...get(b1), 0x93], vc1), // f32.sub
    ...splat(get(b2), vb2),
    ...splat([...f32one, ...get(b2), 0x93], vc2),
    ...splat(get(a), va),
    ...splat(get(s2), vs2),
    ...splat(get(eps), veps),
    ...i32c(0),
    ...set(i),
    ...block,
    ...get(i),
    ...get(nBytes),
    ...geU,
    ...brIf(0),
    ...loop,
    // g
    ...get(g),
    ...get(i),
    ...add,
    ...v128load(0),
    ...set(vg),
    // m = b1 m + c1 g
    ...get(m),
    ...get(i),
    ...add,
    ...get(vb1),
    ...get(m),
    ...get(i),
    ...add,
    ...v128load(0),
    ...f32x4mul,
    ...get(vc1),
    ...get(vg),
    ...f32x4mul,
    ...f32x4add,
    ...tee(vm),
    ...v128store(0),
    // v = b2 v + c2 g^2
    ...get(v),
    ...get(i),
    ...add,
    ...get(vb2),
    ...get(v),
    ...get(i),
    ...add,
    ...v128load(0),
    ...f32x4mul,
    ...get(vc2),
    ...get(vg),
    ...get(vg),
    ...f32x4mul,
    ...f32x4mul,
    ...f32x4add,
    ...tee(vv),
    ...v128store(0),
    // p -= a m / (sqrt(v) s2 + eps)
    ...get(p),
    ...get(i),
    ...add,
    ...get(p),
    ...get(i),
    ...add,
    ...v128load(0),
    ...get(va),
    ...get(vm),
    ...f32x4mul,
    ...get(vv),
    ...f32x4sqrt,
    ...get(vs2),
    ...f32x4mul,
    ...get(veps),
    ...f32x4add,
    ...f32x4div,
    ...f32x4sub,
    ...v128store(0),
    ...get(i),
    ...i32c(16),
    ...add,
    ...tee(i),
    ...get(nBytes),
    ...ltU,
    ...brIf(0),
    ...end,
    ...end,
    ...end,
  ];
  return {
    params: [I32, I32, I32, I32, I32, F32, F32, F32, F32, F32],
    locals: [
      [...uleb(1), I32],
      [...uleb(10), V128],
    ],
    code,
  };
}

/**
 * Register-blocked variants for H % 32 == 0: the output (forward) or dOut (backward) row is
 * processed in blocks of 32 floats held in 8 v128 locals, so the inner loop over non-zeros does
 * one load (forward) or one load + store (backward) per 4 floats instead of two / three.
 */
function csrBlockedFunction(fwd: boolean): { params: number[]; locals: number[][]; code: number[] } {
  const rowIds = 0,
    nRows = 1,
    rowptr = 2,
    idx = 3,
    val = 4,
    mat = 5,
    H4 = 6,
    dst = 7,
    gBytes = 8;
  const nParams = fwd ? 8 : 9;
  const r = nParams,
    k = r + 1,
    kStart = r + 2,
    kEnd = r + 3,
    rowPtr = r + 4,
    cb = r + 5,
    p = r + 6,
    q = r + 7;
  const v = r + 8; // v128 locals: v, acc0..7
  const acc = (j: number) => v + 1 + j;
  const zero = [0x43, 0, 0, 0, 0, ...f32x4splat];
  const code: number[] = [];
  if (!fwd) code.push(...get(dst), ...i32c(0), ...get(gBytes), ...memFill);
  code.push(...i32c(0), ...set(r));
  code.push(...block, ...loop); // rows
  code.push(...get(r), ...get(nRows), ...geU, ...brIf(1));
  code.push(
    ...get(rowptr),
    ...get(rowIds),
    ...get(r),
    ...i32c(4),
    ...mul,
    ...add,
    ...load32(),
    ...i32c(4),
    ...mul,
    ...add,
    ...set(rowPtr),
  );
  code.push(...get(rowPtr), ...load32(0), ...set(kStart));
  code.push(...get(rowPtr), ...load32(4), ...set(kEnd));
  code.push(...i32c(0), ...set(cb));
  code.push(...block, ...loop); // column blocks
  code.push(...get(cb), ...get(H4), ...geU, ...brIf(1));
  // q = row pointer of the dense row (out row in forward, dOut row in backward) + cb
  code.push(...(fwd ? get(dst) : get(mat)), ...get(r), ...get(H4), ...mul, ...add, ...get(cb), ...add, ...set(q));
  for (let j = 0; j < 8; j++) {
    if (fwd) code.push(...zero, ...set(acc(j)));
    else code.push(...get(q), ...v128load(16 * j), ...set(acc(j)));
  }
  code.push(...get(kStart), ...set(k));
  code.push(...block, ...loop); // non-zeros
  code.push(...get(k), ...get(kEnd), ...geU, ...brIf(1));
  code.push(...get(val), ...get(k), ...i32c(4), ...mul, ...add, ...loadF32, ...f32x4splat, ...set(v));
  // p = (fwd ? W : G) + idx[k] * H4 + cb
  code.push(
    ...(fwd ? get(mat) : get(dst)),
    ...get(idx),
    ...get(k),
    ...i32c(4),
    ...mul,
    ...add,
    ...load32(),
    ...get(H4),
    ...mul,
    ...add,
    ...get(cb),
    ...add,
    ...set(p),
  );
  for (let j = 0; j < 8; j++) {
    if (fwd) {
      code.push(...get(acc(j)), ...get(v), ...get(p), ...v128load(16 * j), ...f32x4mul, ...f32x4add, ...set(acc(j)));
    } else {
      code.push(
        ...get(p),
        ...get(p),
        ...v128load(16 * j),
        ...get(v),
        ...get(acc(j)),
        ...f32x4mul,
        ...f32x4add,
        ...v128store(16 * j),
      );
    }
  }
  code.push(...get(k), ...i32c(1), ...add, ...set(k), ...br(0));
  code.push(...end, ...end);
  if (fwd) for (let j = 0; j < 8; j++) code.push(...get(q), ...get(acc(j)), ...v128store(16 * j));
  code.push(...get(cb), ...i32c(128), ...add, ...set(cb), ...br(0));
  code.push(...end, ...end);
  code.push(...get(r), ...i32c(1), ...add, ...set(r), ...br(0));
  code.push(...end, ...end);
  code.push(...end);
  return {
    params: Array<number>(nParams).fill(I32),
    locals: [
      [...uleb(8), I32],
      [...uleb(9), V128],
    ],
    code,
  };
}

/**
 * Row broadcasts between B group rows and B * n member rows (H4 bytes each), 4 floats at a time:
 *   expand (broadcastAdd): member[b * n + i] += group[b]
 *   reduce (groupSum):     group[b] = sum_i member[b * n + i]   (group zeroed first)
 */
function groupRowsFunction(expand: boolean): { params: number[]; locals: number[][]; code: number[] } {
  const member = 0,
    group = 1,
    B = 2,
    n = 3,
    H4 = 4;
  const b = 5,
    i = 6,
    a = 7,
    s = 8,
    aEnd = 9,
    grow = 10,
    mrow = 11;
  const one = 12; // v128
  const code: number[] = [0x43, 0x00, 0x00, 0x80, 0x3f, ...f32x4splat, ...set(one)];
  if (!expand) code.push(...get(group), ...i32c(0), ...get(B), ...get(H4), ...mul, ...memFill);
  code.push(...get(member), ...set(mrow));
  code.push(...i32c(0), ...set(b));
  code.push(...block, ...loop);
  code.push(...get(b), ...get(B), ...geU, ...brIf(1));
  code.push(...get(group), ...get(b), ...get(H4), ...mul, ...add, ...set(grow));
  code.push(...i32c(0), ...set(i));
  code.push(...block, ...loop);
  code.push(...get(i), ...get(n), ...geU, ...brIf(1));
  if (expand) code.push(...get(mrow), ...set(a), ...get(grow), ...set(s));
  else code.push(...get(grow), ...set(a), ...get(mrow), ...set(s));
  code.push(...get(a), ...get(H4), ...add, ...set(aEnd));
  code.push(...axpy(a, s, aEnd, one, 1));
  code.push(...get(mrow), ...get(H4), ...add, ...set(mrow));
  code.push(...get(i), ...i32c(1), ...add, ...set(i), ...br(0));
  code.push(...end, ...end);
  code.push(...get(b), ...i32c(1), ...add, ...set(b), ...br(0));
  code.push(...end, ...end);
  code.push(...end);
  return {
    params: Array<number>(5).fill(I32),
    locals: [
      [...uleb(7), I32],
      [...uleb(1), V128],
    ],
    code,
  };
}

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
  adam(
    p: number,
    g: number,
    m: number,
    v: number,
    nBytes: number,
    b1: number,
    b2: number,
    a: number,
    s2: number,
    eps: number,
  ): void;
  broadcastAdd(member: number, group: number, B: number, n: number, H4: number): void;
  groupSum(member: number, group: number, B: number, n: number, H4: number): void;
  /** Vector width in floats that H must be a multiple of. */
  multiple: number;
}

/**
 * Build the module bytes; `unroll` vectors of 4 floats per inner trip (H % (4*unroll) == 0);
 * unroll 8 selects the register-blocked kernels (H % 32 == 0).
 */
export function simdModuleBytes(unroll: number): Uint8Array<ArrayBuffer> {
  const fns =
    unroll === 8
      ? [
          csrBlockedFunction(true),
          csrBlockedFunction(false),
          adamFunction(),
          groupRowsFunction(true),
          groupRowsFunction(false),
        ]
      : [
          csrFunction(true, unroll),
          csrFunction(false, unroll),
          adamFunction(),
          groupRowsFunction(true),
          groupRowsFunction(false),
        ];
  const types = fns.map((f) => [0x60, ...vec(f.params.map((p) => [p])), 0x00]);
  const typeSec = section(1, vec(types));
  const importSec = section(2, vec([[...str("env"), ...str("memory"), 0x02, 0x00, ...uleb(1)]]));
  const funcSec = section(3, vec(fns.map((_, i) => uleb(i))));
  const exportSec = section(
    7,
    vec([
      [...str("spmm"), 0x00, ...uleb(0)],
      [...str("spmmT"), 0x00, ...uleb(1)],
      [...str("adam"), 0x00, ...uleb(2)],
      [...str("broadcastAdd"), 0x00, ...uleb(3)],
      [...str("groupSum"), 0x00, ...uleb(4)],
    ]),
  );
  const bodies = fns.map((f) => {
    const body = [...vec(f.locals), ...f.code];
    return [...uleb(body.length), ...body];
  });
  const codeSec = section(10, vec(bodies));
  return new Uint8Array([
    0x00,
    0x61,
    0x73,
    0x6d,
    0x01,
    0x00,
    0x00,
    0x00,
    ...typeSec,
    ...importSec,
    ...funcSec,
    ...exportSec,
    ...codeSec,
  ]);
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
