import { CodeBlock } from "@/components/ui/code-block";
const EXAMPLE = `{"id": "q-17", "prompt": "What is 17 × 23?", "openness": 0,
 "responses": [{"id": "a", "text": "391"}, {"id": "b", "text": "401"}, "…six more…"],
 "annotations": [{"annotator": "ann@lab.org", "ranking": [["a"], ["b", "c"], ["d"], …],
                  "openness": 0, "created_at": "2024-05-01T10:00:00Z"}]}`;

export function ImportFormatHelp() {
  return (
    <details className="rounded-lg border border-slate-200 bg-white p-4 text-sm text-slate-700">
      <summary className="cursor-pointer font-medium">File format</summary>
      <p className="mt-2">
        One JSON object per line. <code>id</code>, <code>openness</code> (0–1), <code>metadata</code> and{" "}
        <code>annotations</code> are optional; a response is a string or <code>{"{id?, text, embedding?}"}</code>. A
        ranking lists groups of response ids (or 0-based indices), best first; ids in one group are tied. An annotator
        who has no account here becomes an external annotator (no login). An export in the <code>annotations</code>{" "}
        format re-imports as is.
      </p>
      <CodeBlock className="mt-2 bg-slate-50">{EXAMPLE}</CodeBlock>
    </details>
  );
}
