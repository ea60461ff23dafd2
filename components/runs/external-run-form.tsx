"use client";

import { useActionState } from "react";
import { uploadExternalRunAction, type ExternalRunState } from "@/lib/runs/actions";
import { Button } from "@/components/ui/button";

const inputClass =
  "mt-1 block h-9 w-full rounded-md border border-slate-300 bg-white px-2.5 text-sm text-slate-900 shadow-sm focus:border-indigo-500 focus:outline-none focus:ring-2 focus:ring-indigo-500/30";

export function ExternalRunForm({
  datasets,
  utilities,
  defaultEps,
}: {
  datasets: { id: number; name: string; slug: string }[];
  utilities: readonly string[];
  defaultEps: number;
}) {
  const [state, action, pending] = useActionState<ExternalRunState, FormData>(uploadExternalRunAction, {});
  return (
    <form
      action={action}
      className="space-y-4 rounded-lg border border-slate-200 bg-white p-4 shadow-sm"
      data-testid="external-run-form"
    >
      <label className="block text-sm font-medium text-slate-700">
        Dataset
        <select name="datasetId" className={inputClass} data-testid="external-dataset" defaultValue={datasets[0]?.id}>
          {datasets.map((d) => (
            <option key={d.id} value={d.id}>
              {d.name} ({d.slug})
            </option>
          ))}
        </select>
      </label>
      <label className="block text-sm font-medium text-slate-700">
        Scores file (.jsonl)
        <input
          type="file"
          name="scores"
          accept=".jsonl,.json,.txt,application/x-ndjson"
          required
          className="mt-1 block text-sm"
          data-testid="external-scores"
        />
      </label>
      <div className="grid gap-4 sm:grid-cols-3">
        <label className="block text-sm font-medium text-slate-700">
          Name
          <input name="name" className={inputClass} placeholder="e.g. TRL reward model, epoch 3" />
        </label>
        <label className="block text-sm font-medium text-slate-700">
          Trained with
          <select name="utility" className={inputClass} defaultValue="logsigmoid">
            {utilities.map((u) => (
              <option key={u} value={u}>
                {u === "logsigmoid" ? "logsigmoid (Bradley–Terry, TRL's default)" : u}
              </option>
            ))}
          </select>
        </label>
        <label className="block text-sm font-medium text-slate-700">
          Utility ε for the targets
          <input
            name="eps"
            type="number"
            step="any"
            min="0"
            max="10"
            defaultValue={defaultEps}
            className={inputClass}
          />
        </label>
      </div>
      {state.message && (
        <div
          className="rounded-md border border-rose-200 bg-rose-50 p-3 text-sm text-rose-800"
          role="alert"
          data-testid="external-error"
        >
          {state.message}
        </div>
      )}
      <Button type="submit" disabled={pending} data-testid="external-submit">
        {pending ? "Judging…" : "Record and judge"}
      </Button>
    </form>
  );
}
