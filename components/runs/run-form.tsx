"use client";

import { useActionState, useState } from "react";
import { createRunAction, type CreateRunState } from "@/lib/runs/actions";
import type { DatasetTrainingStats } from "@/lib/runs/training-data";
import { Button } from "@/components/ui/button";
import { plural } from "@/lib/utils";

/** Each trainer setting's label and meaning, for the ones the ml/ trainer has today; others show their name. */
const SETTINGS: Record<string, { label: string; help: string }> = {
  steps: { label: "Steps", help: "Optimizer steps. The collapse effect needs thousands." },
  learningRate: { label: "Learning rate", help: "Adam's learning rate." },
  batchPrompts: { label: "Batch (prompts)", help: "Prompts per batch, with all their responses." },
  hiddenSizes: { label: "Hidden layers", help: "Hidden layer sizes of the MLP, comma-separated." },
  featureDim: { label: "Feature dimension", help: "Dimension of the hashed text features." },
  eps: { label: "Utility ε", help: "Smoothing of the utility near 0 (keeps gradients finite)." },
  gamma: { label: "Box-Cox γ", help: "For the boxcox utility only." },
  opennessInput: { label: "Openness as input", help: "Give the model the prompt's openness as an input." },
  patience: {
    label: "Early-stopping patience",
    help: "Evaluations without a better held-out accuracy before stopping (0: never).",
  },
  evalEvery: { label: "Evaluate every", help: "Steps between accuracy evaluations (default: 1% of the steps)." },
};

function settingLabel(key: string): string {
  return SETTINGS[key]?.label ?? key.replace(/([a-z])([A-Z])/g, "$1 $2").replace(/^./, (c) => c.toUpperCase());
}

const inputClass =
  "mt-1 block h-9 w-full rounded-md border border-slate-300 bg-white px-2.5 text-sm text-slate-900 shadow-sm focus:border-indigo-500 focus:outline-none focus:ring-2 focus:ring-indigo-500/30 aria-invalid:border-rose-400";

export function RunForm({
  datasets,
  initialDatasetId,
  utilities,
  trainDefaults,
  minPrompts,
}: {
  datasets: DatasetTrainingStats[];
  initialDatasetId: number;
  utilities: { name: string; description: string }[];
  trainDefaults: Record<string, number | boolean | number[]>;
  minPrompts: number;
}) {
  const [state, formAction, pending] = useActionState<CreateRunState, FormData>(createRunAction, {});
  const [datasetId, setDatasetId] = useState(initialDatasetId);
  const [utility, setUtility] = useState("conditioned");
  const [policy, setPolicy] = useState<"exclude" | "assume" | "estimate">("exclude");
  const stats = datasets.find((d) => d.datasetId === datasetId);
  const usable = stats ? (policy === "exclude" ? stats.rankedWithOpenness : stats.ranked) : 0;
  const errors = state.fieldErrors ?? {};
  const errorId = (field: string) => (errors[field] ? `${field}-error` : undefined);
  // The app sets evalEvery from the step count unless the researcher asks otherwise.
  const defaults = Object.entries(trainDefaults).filter(([key]) => key !== "evalEvery");

  return (
    <form action={formAction} className="space-y-6" data-testid="run-form" aria-describedby="run-form-error">
      <fieldset className="rounded-lg border border-slate-200 bg-white p-5 shadow-sm">
        <legend className="px-1 text-sm font-semibold">Data</legend>
        <label className="block text-sm font-medium text-slate-700">
          Dataset
          <select
            name="datasetId"
            value={datasetId}
            onChange={(e) => setDatasetId(Number(e.target.value))}
            className={inputClass}
            data-testid="run-dataset"
          >
            {datasets.map((d) => (
              <option key={d.datasetId} value={d.datasetId}>
                {d.name} ({d.slug}){d.synthetic ? " · synthetic" : ""}
              </option>
            ))}
          </select>
        </label>
        {stats && (
          <p className="mt-2 rounded-md bg-slate-50 px-3 py-2 text-sm text-slate-700" data-testid="dataset-stats">
            <strong className="tabular-nums">{stats.ranked}</strong> of {stats.prompts} prompts have rankings (
            {stats.annotations} annotations); <strong className="tabular-nums">{stats.rankedWithOpenness}</strong> of
            them have an openness (imported, or the mean of the annotators&apos; tags)
            {stats.rankedWithoutOpenness > 0 ? (
              <>
                , <strong className="tabular-nums text-amber-700">{stats.rankedWithoutOpenness}</strong> have none.
              </>
            ) : (
              "."
            )}
          </p>
        )}
        <div className="mt-4">
          <p className="text-sm font-medium text-slate-700">Ranked prompts without an openness</p>
          <div className="mt-1 flex flex-wrap items-center gap-4 text-sm">
            <label className="flex items-center gap-2">
              <input
                type="radio"
                name="missingOpenness"
                value="exclude"
                checked={policy === "exclude"}
                onChange={() => setPolicy("exclude")}
              />
              leave them out
            </label>
            <label className="flex items-center gap-2">
              <input
                type="radio"
                name="missingOpenness"
                value="assume"
                checked={policy === "assume"}
                onChange={() => setPolicy("assume")}
              />
              assume openness
            </label>
            <label className="flex items-center gap-2">
              <input
                type="radio"
                name="missingOpenness"
                value="estimate"
                checked={policy === "estimate"}
                onChange={() => setPolicy("estimate")}
                data-testid="missing-estimate"
              />
              estimate it (from the prompt&apos;s text and rankings)
            </label>
            <input
              name="assumedOpenness"
              type="number"
              step="0.05"
              min={0}
              max={1}
              defaultValue={0.5}
              disabled={policy !== "assume"}
              aria-label="Assumed openness (0 closed … 1 open)"
              aria-invalid={Boolean(errors["missingOpenness.value"])}
              aria-describedby={errorId("missingOpenness.value")}
              className={`${inputClass} mt-0 w-24 disabled:bg-slate-100 disabled:text-slate-400`}
            />
          </div>
          <FieldError field="missingOpenness.value" errors={errors} />
        </div>
        <label className="mt-3 flex items-center gap-2 text-sm">
          <input type="checkbox" name="acceptedOnly" value="1" data-testid="run-accepted-only" />
          Train only on annotations a reviewer accepted
        </label>
        {stats && usable < minPrompts && (
          <p
            className="mt-3 rounded-md bg-amber-50 px-3 py-2 text-sm text-amber-900 ring-1 ring-inset ring-amber-200"
            data-testid="too-few-prompts"
          >
            {stats.ranked < minPrompts
              ? `A run needs at least ${minPrompts} ranked prompts; this dataset has ${stats.ranked}. Rank more prompts first, or the run will fail.`
              : `Only ${plural(usable, "ranked prompt")} ${usable === 1 ? "has" : "have"} an openness, and a run needs ${minPrompts}: choose “assume openness” above, or the run will fail.`}
          </p>
        )}
      </fieldset>

      <fieldset className="rounded-lg border border-slate-200 bg-white p-5 shadow-sm">
        <legend className="px-1 text-sm font-semibold">Utility</legend>
        <div className="grid gap-2 sm:grid-cols-2">
          {utilities.map((u) => (
            <label
              key={u.name}
              className={`flex cursor-pointer gap-2 rounded-md border p-2.5 text-sm ${utility === u.name ? "border-indigo-400 bg-indigo-50/60" : "border-slate-200 hover:bg-slate-50"}`}
            >
              <input
                type="radio"
                name="utility"
                value={u.name}
                checked={utility === u.name}
                onChange={() => setUtility(u.name)}
                className="mt-0.5"
                data-testid={`utility-${u.name}`}
              />
              <span>
                <code className="font-semibold">{u.name}</code>
                {u.name === "conditioned" && <span className="ml-1 text-xs text-indigo-700">default</span>}
                <span className="block text-xs text-slate-600">{u.description}</span>
              </span>
            </label>
          ))}
        </div>
      </fieldset>

      <fieldset className="rounded-lg border border-slate-200 bg-white p-5 shadow-sm">
        <legend className="px-1 text-sm font-semibold">Training</legend>
        <div className="grid gap-4 sm:grid-cols-3">
          <label className="block text-sm font-medium text-slate-700">
            Name <span className="font-normal text-slate-600">(optional)</span>
            <input name="name" className={inputClass} placeholder="e.g. conditioned, lr 3e-3" />
          </label>
          <label className="block text-sm font-medium text-slate-700">
            Held-out share
            <input
              name="heldOutShare"
              type="number"
              step="0.05"
              min={0.05}
              max={0.5}
              defaultValue={0.2}
              className={inputClass}
              aria-invalid={Boolean(errors.heldOutShare)}
              aria-describedby={errorId("heldOutShare")}
            />
            <FieldError field="heldOutShare" errors={errors} />
          </label>
          <label className="block text-sm font-medium text-slate-700">
            Seed
            <input
              name="seed"
              type="number"
              step="1"
              min={0}
              defaultValue={1}
              className={inputClass}
              aria-invalid={Boolean(errors.seed)}
              aria-describedby={errorId("seed")}
            />
            <FieldError field="seed" errors={errors} />
          </label>
          {defaults.map(([key, value]) => {
            const field = `train.${key}`;
            if (typeof value === "boolean") {
              return (
                <label key={key} className="flex items-start gap-2 text-sm font-medium text-slate-700 sm:col-span-1">
                  <input type="checkbox" name={field} defaultChecked={value} className="mt-1" />
                  <span>
                    {settingLabel(key)}
                    <span className="block text-xs font-normal text-slate-600">{SETTINGS[key]?.help}</span>
                  </span>
                </label>
              );
            }
            return (
              <label key={key} className="block text-sm font-medium text-slate-700">
                {settingLabel(key)}
                <input
                  name={field}
                  data-testid={`setting-${key}`}
                  defaultValue={Array.isArray(value) ? value.join(", ") : String(value)}
                  inputMode={Array.isArray(value) ? "text" : "decimal"}
                  className={inputClass}
                  aria-invalid={Boolean(errors[field])}
                  aria-describedby={errors[field] ? `${field}-error` : undefined}
                />
                {SETTINGS[key] && (
                  <span className="mt-0.5 block text-xs font-normal text-slate-600">{SETTINGS[key].help}</span>
                )}
                <FieldError field={field} errors={errors} />
              </label>
            );
          })}
        </div>
      </fieldset>

      <div className="flex items-center gap-3">
        <Button type="submit" disabled={pending} data-testid="start-run">
          {pending ? "Queuing…" : "Start run"}
        </Button>
        <p id="run-form-error" aria-live="polite" className="text-sm text-rose-700" data-testid="run-form-error">
          {state.message}
        </p>
      </div>
    </form>
  );
}

function FieldError({ field, errors }: { field: string; errors: Record<string, string | undefined> }) {
  return errors[field] ? (
    <p id={`${field}-error`} className="mt-1 text-xs text-rose-700">
      {errors[field]}
    </p>
  ) : null;
}
