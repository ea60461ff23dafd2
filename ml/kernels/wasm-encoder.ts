/**
 * A small WebAssembly assembler for the SIMD kernels: WAT-like listings in, module bytes out.
 *
 * A listing is the text of a function body in WebAssembly's text format, in either of its two forms,
 * freely mixed: flat instructions (`local.get $k`), and folded expressions, whose operands come
 * before their operator (`(i32.add (local.get $a) (i32.const 16))`). Locals are named (`$k`),
 * blocks and loops may carry labels that `br` and `br_if` name instead of counting depths, and
 * memory instructions take `offset=N` (alignment is always natural), lane instructions their lane
 * after it. `;;` starts a comment.
 * Only the instructions the kernels use are known; anything else is an error that names it.
 *
 * A module here is what the kernels need: one imported memory (`env.memory`) and exported
 * functions, each with its own type.
 */

export type ValueType = "i32" | "f32" | "f64" | "v128";

const VALUE_TYPE: Record<ValueType, number> = { i32: 0x7f, f32: 0x7d, f64: 0x7c, v128: 0x7b };

export function uleb(n: number): number[] {
  if (!Number.isInteger(n) || n < 0) throw new Error(`uleb: ${n} is not an unsigned integer`);
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n !== 0) b |= 0x80;
    out.push(b);
  } while (n !== 0);
  return out;
}

export function sleb(n: number): number[] {
  if (!Number.isInteger(n)) throw new Error(`sleb: ${n} is not an integer`);
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

function name(s: string): number[] {
  const bytes = [...new TextEncoder().encode(s)];
  return [...uleb(bytes.length), ...bytes];
}

function section(id: number, body: number[]): number[] {
  return [id, ...uleb(body.length), ...body];
}

function vec(items: number[][]): number[] {
  return [...uleb(items.length), ...items.flat()];
}

type Immediate = "none" | "local" | "label" | "i32" | "f32" | "f64" | "lane" | "memarg" | "memarg lane" | "blocktype";

/** Opcode bytes and immediate kind of every instruction a listing may use. */
const INSTRUCTIONS: Record<string, { op: number[]; imm: Immediate; align?: number }> = {
  block: { op: [0x02], imm: "blocktype" },
  loop: { op: [0x03], imm: "blocktype" },
  end: { op: [0x0b], imm: "none" },
  br: { op: [0x0c], imm: "label" },
  br_if: { op: [0x0d], imm: "label" },
  "local.get": { op: [0x20], imm: "local" },
  "local.set": { op: [0x21], imm: "local" },
  "local.tee": { op: [0x22], imm: "local" },
  "i32.load": { op: [0x28], imm: "memarg", align: 2 },
  "f32.load": { op: [0x2a], imm: "memarg", align: 2 },
  "f64.load": { op: [0x2b], imm: "memarg", align: 3 },
  "i32.store": { op: [0x36], imm: "memarg", align: 2 },
  "f64.store": { op: [0x39], imm: "memarg", align: 3 },
  "i32.const": { op: [0x41], imm: "i32" },
  "f32.const": { op: [0x43], imm: "f32" },
  "f64.const": { op: [0x44], imm: "f64" },
  "i32.lt_u": { op: [0x49], imm: "none" },
  "i32.ge_u": { op: [0x4f], imm: "none" },
  "f64.ne": { op: [0x62], imm: "none" },
  "i32.add": { op: [0x6a], imm: "none" },
  "i32.sub": { op: [0x6b], imm: "none" },
  "i32.mul": { op: [0x6c], imm: "none" },
  "f32.sub": { op: [0x93], imm: "none" },
  "f32.div": { op: [0x95], imm: "none" },
  "f32.max": { op: [0x97], imm: "none" },
  "f64.add": { op: [0xa0], imm: "none" },
  "memory.fill": { op: [0xfc, ...uleb(11), 0x00], imm: "none" },
  "v128.load": { op: [0xfd, ...uleb(0x00)], imm: "memarg", align: 4 },
  "v128.store": { op: [0xfd, ...uleb(0x0b)], imm: "memarg", align: 4 },
  "f32x4.splat": { op: [0xfd, ...uleb(0x13)], imm: "none" },
  "f64x2.splat": { op: [0xfd, ...uleb(0x14)], imm: "none" },
  "f64x2.extract_lane": { op: [0xfd, ...uleb(0x21)], imm: "lane" },
  "f32x4.lt": { op: [0xfd, ...uleb(0x43)], imm: "none" },
  "f64x2.gt": { op: [0xfd, ...uleb(0x4a)], imm: "none" },
  "v128.and": { op: [0xfd, ...uleb(0x4e)], imm: "none" },
  "v128.andnot": { op: [0xfd, ...uleb(0x4f)], imm: "none" },
  "v128.store64_lane": { op: [0xfd, ...uleb(0x5b)], imm: "memarg lane", align: 3 },
  "v128.load64_zero": { op: [0xfd, ...uleb(0x5d)], imm: "memarg", align: 3 },
  "f32x4.demote_f64x2_zero": { op: [0xfd, ...uleb(0x5e)], imm: "none" },
  "f64x2.promote_low_f32x4": { op: [0xfd, ...uleb(0x5f)], imm: "none" },
  "f32x4.abs": { op: [0xfd, ...uleb(0xe0)], imm: "none" },
  "f32x4.sqrt": { op: [0xfd, ...uleb(0xe3)], imm: "none" },
  "f32x4.add": { op: [0xfd, ...uleb(0xe4)], imm: "none" },
  "f32x4.sub": { op: [0xfd, ...uleb(0xe5)], imm: "none" },
  "f32x4.mul": { op: [0xfd, ...uleb(0xe6)], imm: "none" },
  "f32x4.div": { op: [0xfd, ...uleb(0xe7)], imm: "none" },
  "f64x2.abs": { op: [0xfd, ...uleb(0xec)], imm: "none" },
  "f64x2.add": { op: [0xfd, ...uleb(0xf0)], imm: "none" },
  "f64x2.mul": { op: [0xfd, ...uleb(0xf2)], imm: "none" },
};

export interface FunctionListing {
  /** The export name. */
  name: string;
  params: [string, ValueType][];
  locals: [string, ValueType][];
  /** The body, in WebAssembly text (flat and folded instructions); the final `end` is added. */
  body: string;
}

type Token = string;

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  for (const line of text.split("\n")) {
    const code = line.split(";;")[0] as string;
    for (const t of code.replace(/[()]/g, " $& ").split(/\s+/)) if (t) tokens.push(t);
  }
  return tokens;
}

/** Assemble a function body listing into code bytes (without the locals' declaration). */
export function assembleBody(body: string, localNames: readonly string[]): number[] {
  const locals = new Map(localNames.map((n, i) => [n, i]));
  const labels: (string | null)[] = [];
  const tokens = tokenize(body);
  let pos = 0;
  const out: number[] = [];

  const fail = (what: string): never => {
    throw new Error(
      `wasm listing: ${what} (at token ${pos}: ${tokens.slice(Math.max(0, pos - 4), pos + 2).join(" ")})`,
    );
  };
  const isImmediate = (t: Token | undefined) => t !== undefined && t !== "(" && t !== ")" && !(t in INSTRUCTIONS);

  const immediate = (mnemonic: string, kind: Immediate) => {
    const next = tokens[pos];
    switch (kind) {
      case "none":
        return;
      case "blocktype": {
        out.push(0x40);
        labels.push(next?.startsWith("$") ? ((pos++, next) as string) : null);
        return;
      }
      case "local": {
        if (!isImmediate(next)) fail(`${mnemonic} needs a local`);
        pos++;
        const index = next!.startsWith("$") ? locals.get(next!) : Number(next);
        if (index === undefined || !Number.isInteger(index)) fail(`unknown local ${next}`);
        out.push(...uleb(index as number));
        return;
      }
      case "label": {
        if (!isImmediate(next)) fail(`${mnemonic} needs a label`);
        pos++;
        let depth = Number(next);
        if (next!.startsWith("$")) {
          const at = labels.lastIndexOf(next!);
          if (at < 0) fail(`no enclosing block or loop ${next}`);
          depth = labels.length - 1 - at;
        }
        if (!Number.isInteger(depth) || depth < 0 || depth >= labels.length) fail(`bad branch depth ${next}`);
        out.push(...uleb(depth));
        return;
      }
      case "i32": {
        const n = Number(next);
        if (!isImmediate(next) || !Number.isInteger(n)) fail(`${mnemonic} needs an integer`);
        pos++;
        out.push(...sleb(n));
        return;
      }
      case "f32":
      case "f64": {
        const x = Number(next);
        if (!isImmediate(next) || Number.isNaN(x)) fail(`${mnemonic} needs a number`);
        pos++;
        out.push(...new Uint8Array((kind === "f32" ? Float32Array : Float64Array).of(x).buffer));
        return;
      }
      case "lane": {
        const lane = Number(next);
        if (!isImmediate(next) || !Number.isInteger(lane) || lane < 0 || lane > 15) fail(`${mnemonic} needs a lane`);
        pos++;
        out.push(lane);
        return;
      }
      case "memarg":
      case "memarg lane": {
        let offset = 0;
        if (tokens[pos]?.startsWith("offset=")) offset = Number((tokens[pos++] as string).slice("offset=".length));
        if (!Number.isInteger(offset) || offset < 0) fail(`bad offset in ${mnemonic}`);
        out.push(INSTRUCTIONS[mnemonic]!.align as number, ...uleb(offset));
        if (kind === "memarg lane") immediate(mnemonic, "lane");
        return;
      }
    }
  };

  const plain = (mnemonic: string) => {
    const ins = INSTRUCTIONS[mnemonic];
    if (!ins) fail(`unknown instruction ${mnemonic}`);
    if (mnemonic === "end") {
      if (labels.length === 0) fail("end without a block or loop");
      labels.pop();
    }
    out.push(...ins!.op);
    immediate(mnemonic, ins!.imm);
  };

  // A folded expression: (op immediates... operands...) emits the operands, then the op; a folded
  // block or loop emits itself, its contents, then end.
  const folded = () => {
    const mnemonic = tokens[pos++];
    if (mnemonic === undefined || !(mnemonic in INSTRUCTIONS)) fail(`unknown instruction ${mnemonic}`);
    const ins = INSTRUCTIONS[mnemonic!]!;
    if (ins.imm === "blocktype") {
      out.push(...ins.op);
      immediate(mnemonic!, ins.imm);
      sequence(")");
      pos++;
      out.push(...INSTRUCTIONS.end!.op);
      labels.pop();
      return;
    }
    const start = out.length;
    immediate(mnemonic!, ins.imm);
    const imm = out.splice(start);
    sequence(")");
    pos++;
    out.push(...ins.op, ...imm);
  };

  const sequence = (until: ")" | null) => {
    while (pos < tokens.length && tokens[pos] !== until) {
      const t = tokens[pos++] as string;
      if (t === "(") folded();
      else if (t === ")") fail("unbalanced )");
      else plain(t);
    }
    if (until === ")" && tokens[pos] !== ")") fail("unclosed (");
  };

  sequence(null);
  if (labels.length > 0) fail(`unclosed block or loop ${labels.join(" ")}`);
  return [...out, ...INSTRUCTIONS.end!.op];
}

/** Run-length groups of the locals' types, as the code section declares them. */
function localDeclarations(locals: readonly [string, ValueType][]): number[][] {
  const groups: number[][] = [];
  let i = 0;
  while (i < locals.length) {
    const type = (locals[i] as [string, ValueType])[1];
    let n = 0;
    while (i < locals.length && (locals[i] as [string, ValueType])[1] === type) {
      n++;
      i++;
    }
    groups.push([...uleb(n), VALUE_TYPE[type]]);
  }
  return groups;
}

/** A module importing `env.memory` and exporting the functions, in order, each with its own type. */
export function assembleModule(functions: readonly FunctionListing[]): Uint8Array<ArrayBuffer> {
  const types = functions.map((f) => [0x60, ...vec(f.params.map(([, t]) => [VALUE_TYPE[t]])), 0x00]);
  const bodies = functions.map((f) => {
    const names = [...f.params, ...f.locals].map(([n]) => (n.startsWith("$") ? n : `$${n}`));
    const body = [...vec(localDeclarations(f.locals)), ...assembleBody(f.body, names)];
    return [...uleb(body.length), ...body];
  });
  return new Uint8Array([
    ...[0x00, 0x61, 0x73, 0x6d], // \0asm
    ...[0x01, 0x00, 0x00, 0x00], // version 1
    ...section(1, vec(types)),
    ...section(2, vec([[...name("env"), ...name("memory"), 0x02, 0x00, ...uleb(1)]])),
    ...section(3, vec(functions.map((_, i) => uleb(i)))),
    ...section(7, vec(functions.map((f, i) => [...name(f.name), 0x00, ...uleb(i)]))),
    ...section(10, vec(bodies)),
  ]);
}
