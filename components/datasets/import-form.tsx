"use client";

import Link from "next/link";
import { useRouter } from "next/navigation";
import { useId, useState } from "react";
import { Alert } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import { cardVariants } from "@/components/ui/card";
import { Field } from "@/components/ui/field";
import { Input, Select } from "@/components/ui/input";
import { Textarea } from "@/components/ui/textarea";
import type { ImportResult } from "@/lib/datasets/import";
import type { ImportFormat } from "@/lib/datasets/preference-files";
import { plural } from "@/lib/utils";

const FORMAT_CHOICES: { value: ImportFormat; label: string }[] = [
  { value: "octorank", label: "Octorank import lines (prompt, responses, annotations)" },
  { value: "trl", label: "TRL preference rows (prompt?, chosen, rejected; rows of one prompt merge)" },
  { value: "ratings", label: "Rated completions, UltraFeedback style (equal ratings tie)" },
];

/** What the import API answers: the import's result, or why the request was refused. */
type Result = ImportResult | { error: string };

/**
 * Uploads a JSONL file to the import API (the file is the request body, so large files stream).
 * Without `slug` it also asks for the new dataset's slug and settings.
 */
export function ImportForm({ slug, maxMegabytes }: { slug?: string; maxMegabytes: number }) {
  const router = useRouter();
  const id = useId();
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState<Result | null>(null);

  async function onSubmit(event: React.FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const file = form.get("file");
    if (!(file instanceof File) || file.size === 0) {
      setResult({ error: "Choose a JSONL file to import." });
      return;
    }
    const target = slug ?? String(form.get("slug") ?? "").trim();
    if (!target) {
      setResult({ error: "Enter a slug for the new dataset." });
      return;
    }
    // A new dataset's form must not merge into an existing one and drop the name it was given.
    const params = new URLSearchParams(slug ? {} : { new: "1" });
    for (const key of ["name", "guidelines", "responses_per_prompt", "annotations_per_prompt", "format", "annotator"]) {
      const value = form.get(key);
      if (typeof value === "string" && value.trim()) params.set(key, value.trim());
    }
    setBusy(true);
    setResult(null);
    try {
      const response = await fetch(`/api/datasets/${encodeURIComponent(target)}/import?${params}`, {
        method: "POST",
        body: file,
        headers: { "Content-Type": "application/x-ndjson" },
      });
      const body = (await response
        .json()
        .catch(() => ({ error: `The server answered ${response.status}.` }))) as Result;
      setResult(body);
      if ("ok" in body && body.ok) router.refresh();
    } catch {
      setResult({ error: "The upload failed; check your connection and try again." });
    } finally {
      setBusy(false);
    }
  }

  return (
    <form onSubmit={onSubmit} className={cardVariants({ className: "space-y-4" })} aria-describedby={`${id}-result`}>
      {!slug && (
        <fieldset className="grid gap-4 sm:grid-cols-2">
          <legend className="mb-2 text-sm font-medium text-slate-700">New dataset</legend>
          <Field label="Slug (used in URLs)">
            <Input
              name="slug"
              required
              pattern="[a-z0-9][a-z0-9\-]{0,62}"
              data-testid="import-slug"
              placeholder="support-replies"
            />
          </Field>
          <Field label="Name">
            <Input name="name" data-testid="import-name" placeholder="Support replies, March" />
          </Field>
          <Field label="Responses per prompt">
            <Input name="responses_per_prompt" type="number" min={2} max={32} placeholder="from the file" />
          </Field>
          <Field label="Annotations per prompt">
            <Input name="annotations_per_prompt" type="number" min={1} max={50} defaultValue={3} />
          </Field>
          <Field label="Guidelines (markdown, shown to annotators)" className="sm:col-span-2">
            <Textarea name="guidelines" rows={3} />
          </Field>
        </fieldset>
      )}
      <div className="grid gap-4 sm:grid-cols-2">
        <Field label="File format">
          <Select name="format" defaultValue="octorank" data-testid="import-format">
            {FORMAT_CHOICES.map((f) => (
              <option key={f.value} value={f.value}>
                {f.label}
              </option>
            ))}
          </Select>
        </Field>
        <Field label="Annotator of a preference file's rankings (when rows name none)">
          <Input name="annotator" data-testid="import-annotator" placeholder="preference-file" />
        </Field>
      </div>
      <Field label={`JSONL file (up to ${maxMegabytes} MB)`}>
        <input
          name="file"
          type="file"
          accept=".jsonl,.json,.ndjson,application/x-ndjson,application/json,text/plain"
          required
          className="block w-full text-sm file:mr-3 file:rounded-md file:border-0 file:bg-slate-100 file:px-3 file:py-2 file:text-sm file:font-medium hover:file:bg-slate-200"
          data-testid="import-file"
        />
      </Field>
      <Button type="submit" disabled={busy} data-testid="import-submit">
        {busy ? "Importing…" : "Import"}
      </Button>

      <div id={`${id}-result`} aria-live="polite">
        {result && "error" in result && (
          <Alert tone="danger" data-testid="import-error">
            {result.error}
          </Alert>
        )}
        {result && "ok" in result && result.ok && (
          <Alert tone="success" data-testid="import-result">
            <p className="font-medium">
              Imported {plural(result.lines, "line")} into{" "}
              <Link className="underline" href={`/datasets/${result.dataset.slug}`}>
                {result.dataset.slug}
              </Link>
              {result.dataset.created ? " (new dataset)" : ""}.
            </p>
            <p>
              {plural(result.promptsCreated, "new prompt")}; {result.annotationsCreated} new,{" "}
              {result.annotationsUpdated} updated and {plural(result.annotationsUnchanged, "unchanged annotation")};{" "}
              {plural(result.annotatorsCreated, "new external annotator")}.
            </p>
            {result.ignoredFields?.length ? (
              <p data-testid="import-ignored">Not kept from the file: {result.ignoredFields.join(", ")}.</p>
            ) : null}
          </Alert>
        )}
        {result && "ok" in result && !result.ok && (
          <Alert tone="danger" data-testid="import-errors">
            <p className="font-medium">
              Nothing was imported: {plural(result.errors.length + result.moreErrors, "problem")} in{" "}
              {plural(result.lines, "line")}. Fix them and upload the file again.
            </p>
            <ul className="mt-2 max-h-80 space-y-1 overflow-y-auto font-mono text-xs">
              {result.errors.map((e, i) => (
                <li key={i} data-testid="import-error-line">
                  line {e.line} · <span className="font-semibold">{e.field}</span> · {e.reason}
                </li>
              ))}
            </ul>
            {result.moreErrors > 0 && <p className="mt-2">…and {result.moreErrors} more.</p>}
          </Alert>
        )}
      </div>
    </form>
  );
}
