/** How a dataset's annotations become the ml/ library's training prompts. */
import "server-only";
import type { Store } from "@/lib/db";
import type { TrainingPrompt } from "@/ml";
import {
  isRankable,
  promptOpenness,
  trainingOpenness,
  type MissingOpenness,
  type TaggedAnnotation,
} from "@/lib/openness/resolve";
import { datasetOpennessEstimates } from "@/lib/openness/estimates";

export type DatasetTrainingStats = {
  datasetId: number;
  slug: string;
  name: string;
  synthetic: boolean;
  prompts: number;
  /** Prompts with at least one usable ranking. */
  ranked: number;
  /** Ranked prompts that also have an openness (imported, or the mean of annotators' tags). */
  rankedWithOpenness: number;
  rankedWithoutOpenness: number;
  annotations: number;
};

/** For each dataset: how much of it can train a reward model, and how much lacks an openness. */
export async function datasetTrainingStats(store: Store): Promise<DatasetTrainingStats[]> {
  const rows = await store.runs.trainingStats();
  return rows.map((r) => ({
    ...r,
    synthetic: Boolean(r.synthetic),
    rankedWithoutOpenness: r.ranked - r.rankedWithOpenness,
  }));
}

/**
 * A dataset's ranked prompts as ml/ training prompts (ids are the database ids as strings), with
 * the openness lib/openness/resolve.ts gives them (with the policy "estimate", the dataset's
 * openness estimate from the prompt's text and rankings); a prompt left out is counted. Gold (check)
 * prompts' answers are not trained on: they test the annotators.
 */
export async function loadTrainingPrompts(
  store: Store,
  datasetId: number,
  missing: MissingOpenness,
  { acceptedOnly = false }: { acceptedOnly?: boolean } = {},
): Promise<{ prompts: (TrainingPrompt & { openness: number })[]; excludedWithoutOpenness: number }> {
  const {
    prompts: promptRows,
    responses: responseRows,
    annotations: annotationRows,
  } = await store.runs.trainingRows(datasetId, acceptedOnly);

  const responsesByPrompt = new Map<number, TrainingPrompt["responses"]>();
  for (const r of responseRows) {
    const list = responsesByPrompt.get(r.promptId) ?? [];
    const embedding = r.embedding ? (JSON.parse(r.embedding) as number[]) : undefined;
    list.push({ id: String(r.id), text: r.text, ...(embedding ? { embedding } : {}) });
    responsesByPrompt.set(r.promptId, list);
  }
  const annotationsByPrompt = new Map<number, TaggedAnnotation[]>();
  for (const a of annotationRows) {
    const annotation = { openness: a.openness, notRankable: false, ranking: JSON.parse(a.ranking) as number[][] };
    if (!isRankable(annotation)) continue;
    const list = annotationsByPrompt.get(a.promptId) ?? [];
    list.push(annotation);
    annotationsByPrompt.set(a.promptId, list);
  }

  const estimates = missing.policy === "estimate" ? await datasetOpennessEstimates(store, datasetId) : null;
  const estimate = (promptId: number) => estimates?.byPrompt.get(promptId)?.estimate?.estimate ?? null;
  const prompts: (TrainingPrompt & { openness: number })[] = [];
  let excludedWithoutOpenness = 0;
  for (const p of promptRows) {
    const annotated = annotationsByPrompt.get(p.id);
    const responses = responsesByPrompt.get(p.id);
    if (!annotated || !responses || responses.length < 2) continue;
    const openness = trainingOpenness(promptOpenness(p.openness, annotated), missing, () => estimate(p.id));
    if (openness === null) {
      excludedWithoutOpenness++;
      continue;
    }
    const rankings = annotated.map((a) => (a.ranking as number[][]).map((g) => g.map(String)));
    prompts.push({ id: String(p.id), text: p.text, openness, responses, rankings });
  }
  return { prompts, excludedWithoutOpenness };
}
