/**
 * What a text may cost to render as markdown. Markdown is parsed on the server's one event loop
 * (and again in the reader's browser), and the parser's cost is not linear in the text: deep list
 * or quote nesting overflows the stack after seconds of work, runs of `[` or `*` are resolved in
 * quadratic time, each maths span is a KaTeX layout and each table cell a node. One linear pass
 * over the text, before any parsing, decides how it is shown: as markdown, as markdown without
 * maths, or as the plain text it is. Pure: used by the renderer and by its tests.
 */

/** Longest text a prompt, response or guideline may have when stored (import, API). */
export const MAX_STORED_TEXT_CHARS = 100_000;
/** Longest comment or reason an annotator or reviewer may write. */
export const MAX_COMMENT_CHARS = 5_000;

/** Longest text rendered as markdown; a longer one is shown as plain text. */
export const MAX_MARKDOWN_CHARS = 20_000;
/** Deepest nesting of lists and quotes rendered as markdown (real content rarely passes 6). */
export const MAX_MARKDOWN_NESTING = 12;
/**
 * Most inline delimiters (`*`, `_`, `` ` ``, `~`, `[`, `]`, `<`, `|`) rendered as markdown: what
 * the inline parser pairs up, and what makes table cells. A long answer with a bold word per line
 * and a small table stays well under it.
 */
export const MAX_MARKDOWN_DELIMITERS = 2_000;
/** Most `$` signs (two per maths span) typeset with KaTeX; past it the maths shows as its source. */
export const MAX_MATH_DOLLARS = 120;
/** Deepest `{` nesting typeset with KaTeX (nested `\frac` overflow its stack). */
export const MAX_MATH_BRACE_DEPTH = 24;
/** Most `\` commands typeset with KaTeX (`\left(` nests without braces). */
export const MAX_MATH_COMMANDS = 600;

/**
 * KaTeX's own bounds: a size the text asks for (`\rule{3000px}{3000px}`) is capped at `maxSize`
 * ems, so nothing typeset can be wider than a card; macro expansion stops after `maxExpand` steps.
 */
export const KATEX_LIMITS = { maxSize: 20, maxExpand: 200 } as const;

export type MarkdownPlan =
  { render: "markdown"; math: boolean } | { render: "plain"; reason: "too-long" | "too-deep" | "too-many-delimiters" };

const LIST_MARKER = /^(?:[-*+]|\d{1,9}[.)])(?=[ \t]|$)/;
const FENCE = /^ {0,3}(`{3,}|~{3,})/;

/**
 * The nesting a line opens: each `>` and list marker in its leading run, plus its indentation in
 * steps of two when that run holds a marker (an indented list item is a level deeper per step;
 * indented prose or code is not).
 */
function lineNesting(line: string): number {
  let markers = 0;
  let indent = 0;
  let i = 0;
  while (i < line.length) {
    const c = line[i]!;
    if (c === " ") {
      indent += 1;
      i += 1;
    } else if (c === "\t") {
      indent += 4;
      i += 1;
    } else if (c === ">") {
      markers += 1;
      i += 1;
    } else {
      const marker = LIST_MARKER.exec(line.slice(i, i + 11));
      if (!marker) break;
      markers += 1;
      i += marker[0].length;
    }
  }
  return markers === 0 ? 0 : markers + Math.floor(indent / 2);
}

/** How `source` is to be shown, from one pass over it: fenced code counts for length only. */
export function planMarkdown(source: string): MarkdownPlan {
  if (source.length > MAX_MARKDOWN_CHARS) return { render: "plain", reason: "too-long" };
  let fence: string | null = null;
  let delimiters = 0;
  let dollars = 0;
  let commands = 0;
  let braceDepth = 0;
  let deepestBrace = 0;
  for (const line of source.split("\n")) {
    const opening = FENCE.exec(line);
    if (fence !== null) {
      if (opening && opening[1]![0] === fence[0] && opening[1]!.length >= fence.length) fence = null;
      continue;
    }
    if (opening) {
      fence = opening[1]!;
      continue;
    }
    if (lineNesting(line) > MAX_MARKDOWN_NESTING) return { render: "plain", reason: "too-deep" };
    for (let i = 0; i < line.length; i++) {
      switch (line.charCodeAt(i)) {
        case 42: // *
        case 95: // _
        case 96: // `
        case 126: // ~
        case 91: // [
        case 93: // ]
        case 60: // <
        case 124: // |
          delimiters += 1;
          break;
        case 36: // $
          dollars += 1;
          break;
        case 92: // backslash
          commands += 1;
          break;
        case 123: // {
          braceDepth += 1;
          if (braceDepth > deepestBrace) deepestBrace = braceDepth;
          break;
        case 125: // }
          if (braceDepth > 0) braceDepth -= 1;
          break;
      }
    }
    if (delimiters > MAX_MARKDOWN_DELIMITERS) return { render: "plain", reason: "too-many-delimiters" };
  }
  return {
    render: "markdown",
    math: dollars <= MAX_MATH_DOLLARS && deepestBrace <= MAX_MATH_BRACE_DEPTH && commands <= MAX_MATH_COMMANDS,
  };
}
