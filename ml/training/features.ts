/**
 * Deterministic featurizer of (prompt, response) pairs into packed CSR typed arrays.
 *
 * Sparse part (dimension `dim`): signed feature hashing of word unigrams, word bigrams and
 * character trigrams, of the prompt and of the response in separate namespaces, with log term
 * frequency (sign(c) * log(1 + |c|) of the signed hashed count). The prompt part and the response
 * part are each L2-normalised to norm 1/sqrt(2) and added (so the whole row has norm ~1).
 * Dense part: numeric features (NUMERIC_FEATURES) and the imported embedding when present.
 */
import type { TrainingPrompt } from "../types";

export const NUMERIC_FEATURES = ["log_words", "log_chars", "log_sentences", "digit_share", "prompt_overlap"] as const;

export interface FeatureMatrix {
  nRows: number;
  /** Hashed (sparse) dimension. */
  dim: number;
  /** CSR row pointers, length nRows + 2: row nRows is an empty padding row. */
  rowptr: Int32Array;
  idx: Int32Array;
  val: Float32Array;
  /** Dense features, row-major [nRows, denseDim] (numeric then embedding), not standardised. */
  dense: Float32Array;
  denseDim: number;
  embeddingDim: number;
  /**
   * Present when featurized with splitPrompt: rows above hold the response part only, the prompt
   * part is one CSR row per prompt here (plus an empty padding row), and rowPrompt maps rows to it.
   * The model input of a row is the sum of the two (the layer is linear in it).
   */
  prompts?: { rowptr: Int32Array; idx: Int32Array; val: Float32Array; nRows: number };
  rowPrompt?: Int32Array;
}

const NS = {
  promptWord: 0x1b873593,
  promptBigram: 0x27d4eb2f,
  promptTri: 0x165667b1,
  respWord: 0x85ebca6b,
  respBigram: 0xc2b2ae35,
  respTri: 0x9e3779b1,
};

function mix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

function wordHash(s: string, from: number, to: number): number {
  let h = 0x811c9dc5;
  for (let i = from; i < to; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

function isWordChar(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c >= 0xc0 || c === 39;
}

interface TextStats {
  words: number;
  chars: number;
  sentences: number;
  digits: number;
  wordHashes: number[];
}

/** Accumulates signed hashed counts of one text (touched indices recorded). */
class Accumulator {
  readonly acc: Float64Array;
  readonly mark: Uint8Array;
  readonly touched: Int32Array;
  nTouched = 0;
  constructor(readonly dim: number) {
    this.acc = new Float64Array(dim);
    this.mark = new Uint8Array(dim);
    this.touched = new Int32Array(dim);
  }
  add(h: number): void {
    const m = mix(h);
    const i = m % this.dim;
    if (this.mark[i] === 0) {
      this.mark[i] = 1;
      this.touched[this.nTouched++] = i;
    }
    this.acc[i] = (this.acc[i] as number) + (m & 0x80000000 ? -1 : 1);
  }
  /** Adds the log-tf entries, L2-normalised to `norm`, into `row`; resets the accumulator. */
  flush(norm: number, row: RowBuilder): void {
    const a = this.acc;
    let ss = 0;
    for (let t = 0; t < this.nTouched; t++) {
      const i = this.touched[t] as number;
      const c = a[i] as number;
      const v = c === 0 ? 0 : Math.sign(c) * Math.log1p(Math.abs(c));
      a[i] = v;
      ss += v * v;
    }
    const scale = ss > 0 ? norm / Math.sqrt(ss) : 0;
    for (let t = 0; t < this.nTouched; t++) {
      const i = this.touched[t] as number;
      const v = (a[i] as number) * scale;
      if (v !== 0) row.add(i, v);
      a[i] = 0;
      this.mark[i] = 0;
    }
    this.nTouched = 0;
  }
}

/** A sparse row under construction over a dense scratch array. */
class RowBuilder {
  readonly acc: Float64Array;
  readonly mark: Uint8Array;
  readonly touched: Int32Array;
  n = 0;
  constructor(dim: number) {
    this.acc = new Float64Array(dim);
    this.mark = new Uint8Array(dim);
    this.touched = new Int32Array(dim);
  }
  add(i: number, v: number): void {
    if (this.mark[i] === 0) {
      this.mark[i] = 1;
      this.touched[this.n++] = i;
    }
    this.acc[i] = (this.acc[i] as number) + v;
  }
  /** Sorted non-zero entries; resets the builder. */
  take(): { idx: Int32Array; val: Float32Array } {
    const ids = this.touched.slice(0, this.n).sort();
    let nz = 0;
    for (const i of ids) if (this.acc[i] !== 0) nz++;
    const idx = new Int32Array(nz);
    const val = new Float32Array(nz);
    let k = 0;
    for (const i of ids) {
      const v = this.acc[i] as number;
      if (v !== 0) {
        idx[k] = i;
        val[k++] = v;
      }
      this.acc[i] = 0;
      this.mark[i] = 0;
    }
    this.n = 0;
    return { idx, val };
  }
}

function hashText(text: string, nsWord: number, nsBigram: number, nsTri: number, acc: Accumulator): TextStats {
  const s = text.toLowerCase();
  const wordHashes: number[] = [];
  let digits = 0;
  let sentences = 0;
  let i = 0;
  const n = s.length;
  let lastWasStop = false;
  while (i < n) {
    const c = s.charCodeAt(i);
    if (c >= 48 && c <= 57) digits++;
    if (c === 46 || c === 33 || c === 63) {
      if (!lastWasStop) sentences++;
      lastWasStop = true;
    } else if (c !== 32) lastWasStop = false;
    if (isWordChar(c)) {
      let j = i + 1;
      while (j < n && isWordChar(s.charCodeAt(j))) {
        const d = s.charCodeAt(j);
        if (d >= 48 && d <= 57) digits++;
        j++;
      }
      wordHashes.push(wordHash(s, i, j));
      i = j;
    } else i++;
  }
  if (n > 0 && !lastWasStop) sentences++;
  for (let w = 0; w < wordHashes.length; w++) {
    const h = wordHashes[w] as number;
    acc.add(h ^ nsWord);
    if (w > 0) acc.add(Math.imul((wordHashes[w - 1] as number) ^ nsBigram, 0x9e3779b1) ^ h);
  }
  // Character trigrams over the lowercased text with runs of whitespace collapsed.
  let c0 = 32,
    c1 = 32;
  let prevSpace = true;
  for (let k = 0; k < n; k++) {
    let c = s.charCodeAt(k);
    const space = c === 32 || c === 10 || c === 9 || c === 13;
    if (space) {
      if (prevSpace) continue;
      c = 32;
    }
    prevSpace = space;
    acc.add(nsTri ^ Math.imul(c0, 0x01000193) ^ Math.imul(c1, 0x5bd1e995) ^ Math.imul(c, 0x1b873593));
    c0 = c1;
    c1 = c;
  }
  return { words: wordHashes.length, chars: n, sentences, digits, wordHashes };
}

const HALF = Math.SQRT1_2;

interface PromptPart {
  idx: Int32Array;
  val: Float32Array;
  words: Set<number>;
}

/** Featurizer with reusable scratch space. */
export class Featurizer {
  private readonly acc: Accumulator;
  private readonly row: RowBuilder;
  constructor(
    readonly dim: number,
    readonly embeddingDim = 0,
  ) {
    if (!(Number.isInteger(dim) && dim >= 16)) throw new Error(`feature dim must be an integer >= 16, got ${dim}`);
    this.acc = new Accumulator(dim);
    this.row = new RowBuilder(dim);
  }

  get denseDim(): number {
    return NUMERIC_FEATURES.length + this.embeddingDim;
  }

  prompt(text: string): PromptPart {
    const st = hashText(text, NS.promptWord, NS.promptBigram, NS.promptTri, this.acc);
    this.acc.flush(HALF, this.row);
    return { ...this.row.take(), words: new Set(st.wordHashes) };
  }

  /** Sparse entries (sorted by index) and dense features of one response under a prompt. */
  response(
    p: PromptPart,
    text: string,
    embedding: readonly number[] | undefined,
    dense: Float32Array,
    denseOffset: number,
    includePrompt = true,
  ): { idx: Int32Array; val: Float32Array } {
    if (includePrompt) for (let k = 0; k < p.idx.length; k++) this.row.add(p.idx[k] as number, p.val[k] as number);
    const st = hashText(text, NS.respWord, NS.respBigram, NS.respTri, this.acc);
    this.acc.flush(HALF, this.row);
    const { idx, val } = this.row.take();
    let overlap = 0;
    const types = new Set(st.wordHashes);
    for (const w of types) if (p.words.has(w)) overlap++;
    const o = denseOffset;
    dense[o] = Math.log1p(st.words);
    dense[o + 1] = Math.log1p(st.chars);
    dense[o + 2] = Math.log1p(st.sentences);
    dense[o + 3] = st.chars > 0 ? st.digits / st.chars : 0;
    dense[o + 4] = types.size > 0 ? overlap / types.size : 0;
    if (this.embeddingDim > 0) {
      if (embedding && embedding.length !== this.embeddingDim)
        throw new Error(`embedding has ${embedding.length} dims, expected ${this.embeddingDim}`);
      for (let e = 0; e < this.embeddingDim; e++) dense[o + NUMERIC_FEATURES.length + e] = embedding?.[e] ?? 0;
    }
    return { idx, val };
  }
}

/** The embedding dimension of a dataset (0 if no response has one); throws on mixed sizes. */
export function embeddingDimOf(prompts: readonly TrainingPrompt[]): number {
  let d = 0;
  for (const p of prompts)
    for (const r of p.responses) {
      const n = r.embedding?.length ?? 0;
      if (n === 0) continue;
      if (d !== 0 && n !== d) throw new Error(`embeddings have different sizes (${d} and ${n})`);
      d = n;
    }
  return d;
}

class GrowI32 {
  a = new Int32Array(1 << 16);
  n = 0;
  push(x: number): void {
    if (this.n === this.a.length) {
      const b = new Int32Array(this.a.length * 2);
      b.set(this.a);
      this.a = b;
    }
    this.a[this.n++] = x;
  }
}
class GrowF32 {
  a = new Float32Array(1 << 16);
  n = 0;
  push(x: number): void {
    if (this.n === this.a.length) {
      const b = new Float32Array(this.a.length * 2);
      b.set(this.a);
      this.a = b;
    }
    this.a[this.n++] = x;
  }
}

/** Featurize a list of (prompt text, responses) into one CSR matrix, rows in order. */
export function featurizeRows(
  items: readonly { prompt: string; responses: readonly { text: string; embedding?: readonly number[] }[] }[],
  dim: number,
  embeddingDim = 0,
  splitPrompt = false,
): FeatureMatrix {
  const f = new Featurizer(dim, embeddingDim);
  const nRows = items.reduce((a, it) => a + it.responses.length, 0);
  const rowptr = new Int32Array(nRows + 2);
  const idx = new GrowI32();
  const val = new GrowF32();
  const dense = new Float32Array(nRows * f.denseDim);
  const prowptr = new Int32Array(items.length + 2);
  const pidx = new GrowI32();
  const pval = new GrowF32();
  const rowPrompt = new Int32Array(nRows);
  let row = 0;
  for (const [pi, it] of items.entries()) {
    const p = f.prompt(it.prompt);
    if (splitPrompt) {
      for (let k = 0; k < p.idx.length; k++) {
        pidx.push(p.idx[k] as number);
        pval.push(p.val[k] as number);
      }
      prowptr[pi + 1] = pidx.n;
    }
    for (const r of it.responses) {
      rowPrompt[row] = pi;
      const e = f.response(p, r.text, r.embedding, dense, row * f.denseDim, !splitPrompt);
      for (let k = 0; k < e.idx.length; k++) {
        idx.push(e.idx[k] as number);
        val.push(e.val[k] as number);
      }
      row++;
      rowptr[row] = idx.n;
    }
  }
  rowptr[nRows + 1] = idx.n;
  prowptr[items.length + 1] = pidx.n;
  return {
    nRows,
    dim,
    rowptr,
    idx: idx.a.slice(0, idx.n),
    val: val.a.slice(0, val.n),
    dense,
    denseDim: f.denseDim,
    embeddingDim,
    ...(splitPrompt
      ? {
          prompts: { rowptr: prowptr, idx: pidx.a.slice(0, pidx.n), val: pval.a.slice(0, pval.n), nRows: items.length },
          rowPrompt,
        }
      : {}),
  };
}

/** Featurize training prompts (rows: prompts in order, responses in order). */
export function featurizePrompts(
  prompts: readonly TrainingPrompt[],
  dim: number,
  embeddingDim = embeddingDimOf(prompts),
  splitPrompt = false,
): FeatureMatrix {
  return featurizeRows(
    prompts.map((p) => ({ prompt: p.text, responses: p.responses })),
    dim,
    embeddingDim,
    splitPrompt,
  );
}

type Csr = { rowptr: Int32Array; idx: Int32Array; val: Float32Array };

/** Densify rows of a CSR matrix into [rows, dim] (adding into `out` when given), for reference computations. */
export function denseRows(
  m: Csr & { dim: number },
  rows: readonly number[],
  out: Float32Array = new Float32Array(rows.length * m.dim),
): Float32Array {
  rows.forEach((g, r) => {
    for (let k = m.rowptr[g] as number; k < (m.rowptr[g + 1] as number); k++)
      out[r * m.dim + (m.idx[k] as number)] = (out[r * m.dim + (m.idx[k] as number)] as number) + (m.val[k] as number);
  });
  return out;
}
