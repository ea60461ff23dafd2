import ReactMarkdown, { type Components } from "react-markdown";
import remarkGfm from "remark-gfm";
import { cn } from "@/lib/utils";

/**
 * Markdown written by researchers (dataset guidelines). Raw HTML in it is shown as text, never
 * rendered: react-markdown escapes it unless told otherwise, and we don't tell it.
 */
const components: Components = {
  h1: ({ children }) => <h3 className="mt-3 text-sm font-semibold text-slate-900 first:mt-0">{children}</h3>,
  h2: ({ children }) => <h4 className="mt-3 text-sm font-semibold text-slate-900 first:mt-0">{children}</h4>,
  h3: ({ children }) => <h5 className="mt-2 text-sm font-medium text-slate-800 first:mt-0">{children}</h5>,
  p: ({ children }) => <p className="mt-2 first:mt-0">{children}</p>,
  ul: ({ children }) => <ul className="mt-2 list-disc space-y-1 pl-5">{children}</ul>,
  ol: ({ children }) => <ol className="mt-2 list-decimal space-y-1 pl-5">{children}</ol>,
  strong: ({ children }) => <strong className="font-semibold text-slate-800">{children}</strong>,
  code: ({ children }) => <code className="rounded bg-slate-200/70 px-1 font-mono text-[0.85em]">{children}</code>,
  a: ({ children, href }) => (
    <a href={href} className="text-indigo-700 underline" target="_blank" rel="noreferrer noopener">
      {children}
    </a>
  ),
  table: ({ children }) => (
    <div className="mt-2 overflow-x-auto">
      <table className="w-full border-collapse text-left text-xs">{children}</table>
    </div>
  ),
  th: ({ children }) => (
    <th className="border-b border-slate-300 px-2 py-1 font-semibold text-slate-800">{children}</th>
  ),
  td: ({ children }) => <td className="border-b border-slate-200 px-2 py-1 align-top">{children}</td>,
};

export function Markdown({ source, className }: { source: string; className?: string }) {
  return (
    <div className={cn("text-sm leading-relaxed text-slate-600", className)}>
      <ReactMarkdown remarkPlugins={[remarkGfm]} components={components}>
        {source}
      </ReactMarkdown>
    </div>
  );
}
