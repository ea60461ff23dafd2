"use client";

import { useRouter } from "next/navigation";
import { useState } from "react";
import { Alert } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import { cardVariants } from "@/components/ui/card";
import { Field } from "@/components/ui/field";
import { Input, Select } from "@/components/ui/input";

/**
 * Uploads a scores file to the external-runs API with the file as the request body, as the import
 * form does: a server action would buffer it whole and stop at 1 MB.
 */
export function ExternalRunForm({
  datasets,
  utilities,
  defaultEps,
}: {
  datasets: { id: number; name: string; slug: string }[];
  utilities: readonly string[];
  defaultEps: number;
}) {
  const router = useRouter();
  const [message, setMessage] = useState<string | null>(null);
  const [pending, setPending] = useState(false);

  async function onSubmit(event: React.FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const file = form.get("scores");
    if (!(file instanceof File) || file.size === 0) return setMessage("Choose a scores file (.jsonl).");
    const dataset = datasets.find((d) => String(d.id) === form.get("datasetId"));
    if (!dataset) return setMessage("Pick a dataset.");
    const params = new URLSearchParams();
    for (const key of ["name", "utility", "eps", "link"]) {
      const value = form.get(key);
      if (typeof value === "string" && value.trim()) params.set(key, value.trim());
    }
    setPending(true);
    setMessage(null);
    try {
      const response = await fetch(`/api/datasets/${encodeURIComponent(dataset.slug)}/external-runs?${params}`, {
        method: "POST",
        body: file,
        headers: { "Content-Type": "application/x-ndjson" },
      });
      const body = (await response.json().catch(() => ({ error: `The server answered ${response.status}.` }))) as {
        run?: { id: number };
        error?: string;
      };
      if (response.ok && body.run) return router.push(`/runs/${body.run.id}`);
      setMessage(body.error ?? `The server answered ${response.status}.`);
    } catch {
      setMessage("The upload failed; check your connection and try again.");
    } finally {
      setPending(false);
    }
  }

  return (
    <form onSubmit={onSubmit} className={cardVariants({ className: "space-y-4" })} data-testid="external-run-form">
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
      <div className="grid gap-4 sm:grid-cols-4">
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
        <Field label="Scores are">
          <Select name="link" defaultValue="identity" data-testid="external-link">
            <option value="identity">rewards in [0, 1] (read as they are)</option>
            <option value="logit">logits (Bradley–Terry scores: sigmoid applied)</option>
          </Select>
        </Field>
      </div>
      {message && (
        <Alert tone="danger" role="alert" data-testid="external-error">
          {message}
        </Alert>
      )}
      <Button type="submit" disabled={pending} data-testid="external-submit">
        {pending ? "Judging…" : "Record and judge"}
      </Button>
    </form>
  );
}
