"use client";

import { useActionState, useState } from "react";
import { createRunAction, type CreateRunState } from "@/lib/runs/actions";
import type { DatasetTrainingStats } from "@/lib/runs/training-data";
import { Alert } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import { Choice, Field, FieldError, Fieldset, fieldErrorProps } from "@/components/ui/field";
import { Input, Select } from "@/components/ui/input";
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

const MISSING_OPENNESS_POLICIES = [
  { value: "exclude", label: "leave them out" },
  { value: "assume", label: "assume openness" },
  { value: "estimate", label: "estimate it (from the prompt's text and rankings)" },
] as const;

function settingLabel(key: string): string {
  return SETTINGS[key]?.label ?? key.replace(/([a-z])([A-Z])/g, "$1 $2").replace(/^./, (c) => c.toUpperCase());
}

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
  // The app sets evalEvery from the step count unless the researcher asks otherwise.
  const defaults = Object.entries(trainDefaults).filter(([key]) => key !== "evalEvery");

  return (
    <form action={formAction} className="space-y-6" data-testid="run-form" aria-describedby="run-form-error">
      <Fieldset legend="Data">
        <Field label="Dataset">
          <Select
            name="datasetId"
            value={datasetId}
            onChange={(e) => setDatasetId(Number(e.target.value))}
            data-testid="run-dataset"
          >
            {datasets.map((d) => (
              <option key={d.datasetId} value={d.datasetId}>
                {d.name} ({d.slug}){d.synthetic ? " · synthetic" : ""}
              </option>
            ))}
          </Select>
        </Field>
        {stats && (
          <Alert className="mt-2 ring-0" data-testid="dataset-stats">
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
          </Alert>
        )}
        <div className="mt-4">
          <p className="text-sm font-medium text-slate-700">Ranked prompts without an openness</p>
          <div className="mt-1 flex flex-wrap items-center gap-4 text-sm">
            {MISSING_OPENNESS_POLICIES.map((option) => (
              <Choice
                key={option.value}
                type="radio"
                name="missingOpenness"
                value={option.value}
                checked={policy === option.value}
                onChange={() => setPolicy(option.value)}
                data-testid={option.value === "estimate" ? "missing-estimate" : undefined}
                label={option.label}
              />
            ))}
            <Input
              name="assumedOpenness"
              type="number"
              step="0.05"
              min={0}
              max={1}
              defaultValue={0.5}
              disabled={policy !== "assume"}
              aria-label="Assumed openness (0 closed … 1 open)"
              {...fieldErrorProps("missingOpenness.value", errors)}
              className="w-24"
            />
          </div>
          <FieldError name="missingOpenness.value" error={errors["missingOpenness.value"]} />
        </div>
        <Choice
          type="checkbox"
          name="acceptedOnly"
          value="1"
          data-testid="run-accepted-only"
          className="mt-3"
          label="Train only on annotations a reviewer accepted"
        />
        {stats && usable < minPrompts && (
          <Alert tone="warning" className="mt-3" data-testid="too-few-prompts">
            {stats.ranked < minPrompts
              ? `A run needs at least ${minPrompts} ranked prompts; this dataset has ${stats.ranked}. Rank more prompts first, or the run will fail.`
              : `Only ${plural(usable, "ranked prompt")} ${usable === 1 ? "has" : "have"} an openness, and a run needs ${minPrompts}: choose “assume openness” above, or the run will fail.`}
          </Alert>
        )}
      </Fieldset>

      <Fieldset legend="Utility">
        <div className="grid gap-2 sm:grid-cols-2">
          {utilities.map((u) => (
            <Choice
              key={u.name}
              look="tile"
              type="radio"
              name="utility"
              value={u.name}
              checked={utility === u.name}
              onChange={() => setUtility(u.name)}
              data-testid={`utility-${u.name}`}
              label={
                <>
                  <code className="font-semibold">{u.name}</code>
                  {u.name === "conditioned" && <span className="ml-1 text-xs text-indigo-700">default</span>}
                </>
              }
              hint={u.description}
            />
          ))}
        </div>
      </Fieldset>

      <Fieldset legend="Training">
        <div className="grid gap-4 sm:grid-cols-3">
          <Field
            label={
              <>
                Name <span className="font-normal text-slate-600">(optional)</span>
              </>
            }
          >
            <Input name="name" placeholder="e.g. conditioned, lr 3e-3" />
          </Field>
          <Field label="Held-out share" name="heldOutShare" error={errors.heldOutShare}>
            <Input
              name="heldOutShare"
              type="number"
              step="0.05"
              min={0.05}
              max={0.5}
              defaultValue={0.2}
              {...fieldErrorProps("heldOutShare", errors)}
            />
          </Field>
          <Field label="Seed" name="seed" error={errors.seed}>
            <Input name="seed" type="number" step="1" min={0} defaultValue={1} {...fieldErrorProps("seed", errors)} />
          </Field>
          {defaults.map(([key, value]) => {
            const field = `train.${key}`;
            if (typeof value === "boolean") {
              return (
                <Choice
                  key={key}
                  type="checkbox"
                  name={field}
                  defaultChecked={value}
                  className="font-medium text-slate-700"
                  label={settingLabel(key)}
                  hint={SETTINGS[key]?.help}
                />
              );
            }
            return (
              <Field key={key} label={settingLabel(key)} hint={SETTINGS[key]?.help} name={field} error={errors[field]}>
                <Input
                  name={field}
                  data-testid={`setting-${key}`}
                  defaultValue={Array.isArray(value) ? value.join(", ") : String(value)}
                  inputMode={Array.isArray(value) ? "text" : "decimal"}
                  {...fieldErrorProps(field, errors)}
                />
              </Field>
            );
          })}
        </div>
      </Fieldset>

      <div className="flex items-center gap-3">
        <Button type="submit" disabled={pending} data-testid="start-run">
          {pending ? "Queuing…" : "Start run"}
        </Button>
        <p id="run-form-error" aria-live="polite" className="text-sm text-rose-700" data-testid="run-form-error">
          {state.error}
        </p>
      </div>
    </form>
  );
}
