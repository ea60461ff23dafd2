import "server-only";
import type { Store } from "@/db/store";
import { hashPassword } from "@/lib/auth/password";
import { DEMO_ACCOUNTS } from "@/lib/demo/accounts";
import { DEMO_DATASET_SETTINGS, DEMO_DATASET_SLUG, DEMO_FILE, DEMO_FILE_DATED_AT } from "@/lib/demo/dataset";
import { datasetSettingsSchema, readLinesSync } from "@/lib/datasets/import";
// Namespaced, so that every step of the seed below is visibly the import's own.
import * as importFormat from "@/lib/datasets/import-format";
import type { LineError } from "@/lib/datasets/import-format";

/** The demo accounts by email, created where missing (pass a transaction's `tx` to make it one write). */
export async function ensureDemoAccounts(store: Store): Promise<Map<string, number>> {
  const ids = new Map<string, number>();
  for (const account of DEMO_ACCOUNTS) {
    const existing = await store.auth.userByEmail(account.email);
    const id =
      existing?.id ??
      (
        await store.auth.addUser({
          email: account.email,
          name: account.name,
          role: account.role,
          passwordHash: hashPassword(account.password),
        })
      ).id;
    ids.set(account.email, id);
  }
  return ids;
}

class DemoFileError extends Error {
  constructor(errors: LineError[]) {
    super(
      `${DEMO_FILE} is not valid import input: ${errors.map((e) => `line ${e.line}: ${e.field}: ${e.reason}`).join("; ")}`,
    );
  }
}

/**
 * Seeds the demo once, in one transaction: the accounts, then demo.jsonl as a new dataset, parsed
 * by the import's line parser and checks and stored through the one writer. It skips what only an
 * upload needs: a staging dataset and matching against prompts already stored. Running it again
 * changes nothing.
 */
export async function seedDemo(store: Store): Promise<{ created: boolean }> {
  return store.transaction("atomic", async (tx) => {
    const existing = await tx.runs.datasetBySlug(DEMO_DATASET_SLUG);
    const accountIds = await ensureDemoAccounts(tx);
    if (existing) return { created: false };

    const settings = datasetSettingsSchema.parse(DEMO_DATASET_SETTINGS);
    const dataset = await tx.datasets.insertDataset({ slug: DEMO_DATASET_SLUG, ...settings });
    const sinceFileDate = Date.now() - DEMO_FILE_DATED_AT.getTime();
    const moved = (at: Date) => new Date(at.getTime() + sinceFileDate);

    let lineNumber = 0;
    for (const raw of readLinesSync(DEMO_FILE)) {
      lineNumber++;
      if (!raw.trim()) continue;
      const line = lineNumber;
      const fail = (error: Omit<LineError, "line">) => new DemoFileError([{ line, ...error }]);
      const parsed = importFormat.parseImportLine(raw, line);
      if ("errors" in parsed) throw new DemoFileError(parsed.errors);
      const { prompt } = parsed;
      const problem = importFormat.responsesProblem(prompt, settings.responsesPerPrompt);
      if (problem) throw fail(problem);
      const { promptId, responseIds } = await tx.datasets.insertPrompt(dataset.id, importFormat.promptToWrite(prompt));
      for (const [a, annotation] of prompt.annotations.entries()) {
        const field = `annotations.${a}`;
        const ranking = importFormat.resolveRanking(annotation, field, prompt, responseIds);
        if ("errors" in ranking) throw fail(ranking.errors[0]!);
        const annotatorId = accountIds.get(annotation.annotator);
        if (annotatorId === undefined) throw fail({ field: `${field}.annotator`, reason: "Not a demo account." });
        // Undated, an annotation would be dated now and then moved into the future.
        if (!annotation.created_at) throw fail({ field: `${field}.created_at`, reason: "Date every demo annotation." });
        const version = importFormat.annotationToWrite(annotation, ranking.ranking);
        await tx.annotations.write(
          promptId,
          annotatorId,
          { ...version, createdAt: moved(version.createdAt!), updatedAt: moved(version.updatedAt!) },
          "keep",
        );
      }
    }
    return { created: true };
  });
}
