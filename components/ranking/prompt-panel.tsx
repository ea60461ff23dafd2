import { Markdown } from "@/components/markdown";
import { cardVariants } from "@/components/ui/card";
import { cn } from "@/lib/utils";

export function PromptPanel({ text, guidelines }: { text: string; guidelines: string }) {
  return (
    <section aria-labelledby="prompt-title" className={cn(cardVariants(), "order-1")}>
      <h2 id="prompt-title" className="text-xs font-semibold uppercase tracking-wide text-indigo-700">
        Prompt
      </h2>
      <Markdown source={text} testId="prompt-text" className="mt-2 text-base text-slate-900 sm:text-[17px]" />
      {guidelines.trim() && (
        <details className="group mt-4 rounded-lg bg-slate-50 text-sm" data-testid="guidelines">
          <summary className="cursor-pointer select-none rounded-lg px-3 py-2 font-medium text-slate-700 hover:bg-slate-100 focus-visible:outline-none focus-visible:ring-2 focus-visible:ring-indigo-500">
            Guidelines
          </summary>
          <Markdown source={guidelines} className="max-h-72 overflow-y-auto px-3 pb-3" />
        </details>
      )}
    </section>
  );
}
