"use client";

import { useActionState } from "react";
import { uploadExternalRunAction, type ExternalRunState } from "@/lib/runs/actions";
import { Alert } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import { cardVariants } from "@/components/ui/card";
import { Field } from "@/components/ui/field";
import { Input, Select } from "@/components/ui/input";

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
    <form action={action} className={cardVariants({ className: "space-y-4" })} data-testid="external-run-form">
      <Field label="Dataset">
        <Select name="datasetId" data-testid="external-dataset" defaultValue={datasets[0]?.id}>
          {datasets.map((d) => (
            <option key={d.id} value={d.id}>
              {d.name} ({d.slug})
            </option>
          ))}
        </Select>
      </Field>
      <Field label="Scores file (.jsonl)">
        <input
          type="file"
          name="scores"
          accept=".jsonl,.json,.txt,application/x-ndjson"
          required
          className="block text-sm"
          data-testid="external-scores"
        />
      </Field>
      <div className="grid gap-4 sm:grid-cols-3">
        <Field label="Name">
          <Input name="name" placeholder="e.g. TRL reward model, epoch 3" />
        </Field>
        <Field label="Trained with">
          <Select name="utility" defaultValue="logsigmoid">
            {utilities.map((u) => (
              <option key={u} value={u}>
                {u === "logsigmoid" ? "logsigmoid (Bradley–Terry, TRL's default)" : u}
              </option>
            ))}
          </Select>
        </Field>
        <Field label="Utility ε for the targets">
          <Input name="eps" type="number" step="any" min="0" max="10" defaultValue={defaultEps} />
        </Field>
      </div>
      {state.message && (
        <Alert tone="danger" role="alert" data-testid="external-error">
          {state.message}
        </Alert>
      )}
      <Button type="submit" disabled={pending} data-testid="external-submit">
        {pending ? "Judging…" : "Record and judge"}
      </Button>
    </form>
  );
}
