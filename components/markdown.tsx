import renderMarkdown, { type Components, type Options } from "react-markdown";
import remarkGfm from "remark-gfm";
import remarkMath from "remark-math";
import rehypeKatex from "rehype-katex";
import rehypeHighlight from "rehype-highlight";
import "katex/dist/katex.min.css";
import "highlight.js/styles/github.css";
import { cn } from "@/lib/utils";
import { CodeBlock } from "@/components/ui/code-block";
import { KATEX_LIMITS, planMarkdown } from "@/lib/markdown-budget";

type MdNode = { type: string; value?: string; children?: MdNode[] };

/**
 * Raw HTML in a prompt, a model's response or a comment is shown as the text it is: an `<img
 * onerror>` from a model output must never run, and a `<b>` must not silently vanish either.
 */
function remarkHtmlAsText() {
  const walk = (node: MdNode) => {
    if (node.type === "html") node.type = "text";
    node.children?.forEach(walk);
  };
  return walk;
}

/*
 * Headings inside model outputs and guidelines are styled text, not document headings: an `# H1`
 * in a response must not outrank the page's own headings (axe's heading-order).
 */
const heading = (className: string) =>
  function Heading({ children }: { children?: React.ReactNode }) {
    return <p className={cn("mt-3 font-semibold text-slate-900 first:mt-0", className)}>{children}</p>;
  };

/*
 * rehype-highlight marks a highlighted block's <code> "hljs", and the theme's `pre code.hljs`
 * (display: block; overflow-x: auto; padding) would make that inner element the scroll box, one a
 * keyboard cannot reach and which wins over our CSS by load order. The focusable <pre> scrolls and
 * pads instead; the token colours (.hljs-keyword …) do not need the class.
 */
function withoutHljsClass(className: string | undefined): string | undefined {
  return className
    ?.split(" ")
    .filter((c) => c !== "hljs")
    .join(" ");
}

const components: Components = {
  h1: heading("text-base"),
  h2: heading("text-base"),
  h3: heading("text-sm"),
  h4: heading("text-sm"),
  h5: heading("text-sm"),
  h6: heading("text-sm"),
  p: ({ children }) => <p className="mt-2 first:mt-0">{children}</p>,
  ul: ({ children }) => <ul className="mt-2 list-disc space-y-1 pl-5">{children}</ul>,
  ol: ({ children, start }) => (
    <ol start={start} className="mt-2 list-decimal space-y-1 pl-5">
      {children}
    </ol>
  ),
  blockquote: ({ children }) => (
    <blockquote className="mt-2 border-l-4 border-slate-300 pl-3 text-slate-600">{children}</blockquote>
  ),
  strong: ({ children }) => <strong className="font-semibold text-slate-900">{children}</strong>,
  pre: ({ children }) => (
    <CodeBlock
      data-testid="md-code-block"
      className="mt-2 max-w-full border border-slate-200 bg-white text-[13px] leading-snug text-slate-900 [&_code]:bg-transparent [&_code]:p-0"
    >
      {children}
    </CodeBlock>
  ),
  code: ({ children, className }) => (
    <code
      className={cn("rounded bg-slate-100 px-1 font-mono text-[0.88em] text-slate-900", withoutHljsClass(className))}
    >
      {children}
    </code>
  ),
  a: ({ children, href }) => (
    <a href={href} className="text-indigo-700 underline" target="_blank" rel="noreferrer noopener nofollow">
      {children}
    </a>
  ),
  img: ({ alt }) => <span className="text-slate-600">[image{alt ? `: ${alt}` : ""}]</span>,
  table: ({ children }) => (
    <div className="mt-2 max-w-full overflow-x-auto" tabIndex={0}>
      <table className="w-full border-collapse text-left text-[0.92em]">{children}</table>
    </div>
  ),
  th: ({ children, style }) => (
    <th style={style} className="border-b border-slate-300 px-2 py-1 font-semibold text-slate-900">
      {children}
    </th>
  ),
  td: ({ children, style }) => (
    <td style={style} className="border-b border-slate-200 px-2 py-1 align-top">
      {children}
    </td>
  ),
};

const withMath: Options = {
  remarkPlugins: [remarkGfm, remarkMath, remarkHtmlAsText],
  rehypePlugins: [
    [rehypeKatex, { throwOnError: false, strict: false, ...KATEX_LIMITS }],
    [rehypeHighlight, { detect: false }],
  ],
};
const withoutMath: Options = {
  remarkPlugins: [remarkGfm, remarkHtmlAsText],
  rehypePlugins: [[rehypeHighlight, { detect: false }]],
};

function PlainText({ source }: { source: string }) {
  return (
    <p className="whitespace-pre-wrap" data-markdown="plain">
      {source}
    </p>
  );
}

/**
 * What a text rendered to, by its source: each distinct text is parsed once per process, however
 * many pages show it. Bounded by entries and by the characters it holds.
 */
const rendered = new Map<string, React.ReactElement>();
const CACHE_ENTRIES = 2_000;
const CACHE_CHARS = 4_000_000;
let cachedChars = 0;

function remember(source: string, element: React.ReactElement): React.ReactElement {
  rendered.set(source, element);
  cachedChars += source.length;
  for (const [oldest] of rendered) {
    if (rendered.size <= CACHE_ENTRIES && cachedChars <= CACHE_CHARS) break;
    rendered.delete(oldest);
    cachedChars -= oldest.length;
  }
  return element;
}

/**
 * A text as markdown within the budget lib/markdown-budget.ts sets: past it, as plain text (or
 * without maths); a text the parser still fails on (a stack it overflows) is shown as plain text too.
 */
function markdownElement(source: string): React.ReactElement {
  const hit = rendered.get(source);
  if (hit) {
    rendered.delete(source);
    rendered.set(source, hit);
    return hit;
  }
  const plan = planMarkdown(source);
  if (plan.render === "plain") return remember(source, <PlainText source={source} />);
  try {
    return remember(source, renderMarkdown({ children: source, components, ...(plan.math ? withMath : withoutMath) }));
  } catch (error) {
    if (!(error instanceof RangeError)) throw error;
    return remember(source, <PlainText source={source} />);
  }
}

/**
 * The one markdown renderer: prompts, responses, comments and guidelines. GFM (tables, lists,
 * strikethrough), math typeset by the bundled KaTeX, code highlighted by highlight.js, all
 * offline. Images are not fetched (a model output could point anywhere); their alt text shows.
 * Nothing inside can be wider than the box: wide maths and tables scroll within it, and
 * anything else is clipped at its edge.
 */
export function Markdown({ source, className, testId }: { source: string; className?: string; testId?: string }) {
  return (
    <div
      className={cn(
        "min-w-0 max-w-full overflow-hidden break-words text-sm leading-relaxed text-slate-700 [&_.katex-display]:overflow-x-auto [&_.katex-display]:overflow-y-hidden",
        className,
      )}
      data-testid={testId}
    >
      {markdownElement(source)}
    </div>
  );
}
