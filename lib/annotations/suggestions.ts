import "server-only";
import { z } from "zod";
import type { Store } from "@/db/store";
import type { RankingGroups } from "@/lib/domain";
import { AppError } from "@/lib/errors";
import { mean, rankingDistance } from "@/lib/annotations/agreement";

/**
 * Model suggestions (docs/quality.md): a dataset may start each board from a run's order of the
 * prompt (a run trained here or an external run's scores), shown as a suggestion. Each annotation
 * records the run it started from, the order shown, and the normalised Kendall distance of its
 * ranking from it, so that the dataset page can show how much annotators anchor on the model.
 * Their queries are the store's `suggestions` area (db/store/suggestions.ts).
 */

export type Suggestion = { runId: number; runName: string; ranking: RankingGroups };

/** A run's scores of a prompt's responses as an order, best first; equal scores are tied. */
export function orderFromScores(scores: Iterable<readonly [number, number]>): RankingGroups {
  const sorted = [...scores].sort((a, b) => b[1] - a[1] || a[0] - b[0]);
  const groups: number[][] = [];
  let previous = Number.NaN;
  for (const [id, score] of sorted) {
    if (groups.length && score === previous) groups.at(-1)!.push(id);
    else groups.push([id]);
    previous = score;
  }
  return groups;
}

function runName(id: number, name: string | null): string {
  return name ?? `run ${id}`;
}

/**
 * Run `runId`'s order of the prompt, or null when the board cannot start from it: the run is not one
 * of the prompt's dataset, has not succeeded, left a response of the prompt unscored, or the prompt
 * is gold (a check must not show its answer's likely shape).
 */
export async function suggestionOf(store: Store, runId: number, promptId: number): Promise<Suggestion | null> {
  const run = await store.suggestions.succeededRun(runId, promptId);
  if (!run || run.gold) return null;
  const scores = await store.suggestions.promptScores(runId, promptId);
  if (scores.length < 2 || scores.some((s) => s.reward === null)) return null;
  return {
    runId,
    runName: runName(runId, run.name),
    ranking: orderFromScores(scores.map((s) => [s.id, s.reward!] as const)),
  };
}

/** The suggestion a board of this prompt starts from: none unless the dataset turned them on (ranking mode only). */
export async function suggestionFor(store: Store, datasetId: number, promptId: number): Promise<Suggestion | null> {
  const setting = await store.suggestions.setting(datasetId);
  if (!setting?.runId || setting.mode !== "ranking") return null;
  return suggestionOf(store, setting.runId, promptId);
}

/** The dataset's suggestion run, or null when boards start from the shuffled order. */
export async function suggestionRun(store: Store, datasetId: number): Promise<{ id: number; name: string } | null> {
  const row = await store.suggestions.datasetRun(datasetId);
  return row ? { id: row.id, name: runName(row.id, row.name) } : null;
}

/** The form on the dataset page: a finished run of the dataset, or "none". */
export const suggestionSettingSchema = z.object({
  slug: z.string().min(1, "Which dataset?"),
  runId: z.union([z.literal("none"), z.coerce.number().int().positive()], {
    message: "Choose a finished run of this dataset, or no suggestions.",
  }),
});

/** Turns suggestions on from a finished run of the dataset that scored its prompts, or off (null). */
export async function setSuggestionRun(store: Store, slug: string, runId: number | null): Promise<void> {
  await store.transaction("atomic", async (tx) => {
    const datasetId = await tx.runs.visibleDatasetId(slug);
    if (datasetId === null) throw new AppError("not-found", `There is no dataset "${slug}".`);
    if (runId !== null) {
      const run = await tx.suggestions.candidateRun(runId, datasetId);
      if (!run) throw new AppError("invalid", `Run ${runId} is not a run of this dataset.`);
      if (run.status !== "succeeded")
        throw new AppError("invalid", `Run ${runId} is ${run.status}; only a finished run has an order to suggest.`);
      if (!run.scored) throw new AppError("invalid", `Run ${runId} scored no prompts, so it has nothing to suggest.`);
    }
    await tx.suggestions.setDatasetRun(datasetId, runId);
  });
}

/**
 * What a new annotation records of the suggestion its board started from, checked against the run's
 * order now (the client names the run; the order and the distance are the server's). Throws when
 * that run has no suggestion for the prompt, so a false claim is refused, not stored.
 */
export async function suggestionRecord(store: Store, promptId: number, runId: number): Promise<Suggestion> {
  const suggestion = await suggestionOf(store, runId, promptId);
  if (!suggestion)
    throw new AppError("invalid", `Run ${runId} has no suggested order for prompt ${promptId}; submit without it.`);
  return suggestion;
}

/**
 * Stores the suggestion an annotation started from (a first save with `started`) and the distance
 * of its current ranking from it; an edit keeps the suggestion and updates the distance. Returns
 * what is stored, null for an annotation that did not start from a suggestion. Pass the write's `tx`.
 */
export async function writeSuggestionDistance(
  tx: Store,
  annotation: { id: number; ranking: RankingGroups; notRankable: boolean },
  started: Suggestion | null,
): Promise<{ suggestionRunId: number; suggestedRanking: RankingGroups; suggestionDistance: number | null } | null> {
  const stored = started
    ? { runId: started.runId, ranking: started.ranking }
    : await tx.suggestions.annotationSuggestion(annotation.id);
  if (!stored?.runId || !stored.ranking) return null;
  const suggested: RankingGroups = typeof stored.ranking === "string" ? JSON.parse(stored.ranking) : stored.ranking;
  const distance = annotation.notRankable ? null : rankingDistance(suggested, annotation.ranking);
  await tx.suggestions.setAnnotationSuggestion(annotation.id, stored.runId, JSON.stringify(suggested), distance);
  return { suggestionRunId: stored.runId, suggestedRanking: suggested, suggestionDistance: distance };
}

export type DistanceStats = {
  count: number;
  /** Mean normalised Kendall distance from the run's order (0: the same order). */
  meanDistance: number | null;
  /** Share left exactly in the run's order. */
  unchangedShare: number | null;
};

export type Anchoring = {
  /** Boards that started from the run's order: their final distance from it. */
  suggested: DistanceStats;
  /** Boards of prompts the run scored that started shuffled: how far people rank from the run unprompted. */
  unsuggested: DistanceStats;
  /** unsuggested − suggested mean distance: how much closer to the model the suggestion pulls a ranking. */
  pull: number | null;
};

function distanceStats(distances: readonly number[]): DistanceStats {
  return {
    count: distances.length,
    meanDistance: distances.length ? mean(distances) : null,
    unchangedShare: distances.length ? distances.filter((d) => d === 0).length / distances.length : null,
  };
}

/** The anchoring summary of distances from one run's order; boards without a distance (one response, not rankable) are left out. */
export function summarizeAnchoring(rows: readonly { suggested: boolean; distance: number | null }[]): Anchoring {
  const of = (suggested: boolean) =>
    rows.filter((r) => r.suggested === suggested && r.distance !== null).map((r) => r.distance!);
  const suggested = distanceStats(of(true));
  const unsuggested = distanceStats(of(false));
  const pull =
    suggested.meanDistance === null || unsuggested.meanDistance === null
      ? null
      : unsuggested.meanDistance - suggested.meanDistance;
  return { suggested, unsuggested, pull };
}

export type RunAnchoring = Anchoring & { runId: number; runName: string; current: boolean };

/**
 * Anchoring on the dataset page, for its suggestion run and every run annotations started from:
 * suggestion-started boards (their recorded distance) against the boards of the same run's scored
 * prompts that started shuffled (their distance from the run's order, computed here). Gold prompts
 * and not-rankable annotations stay out.
 */
export async function datasetAnchoring(store: Store, datasetId: number): Promise<RunAnchoring[]> {
  const current = await suggestionRun(store, datasetId);
  const runs = (await store.suggestions.anchoringRuns(datasetId)).map((r) => ({
    id: r.id,
    name: runName(r.id, r.name),
  }));
  if (current && !runs.some((r) => r.id === current.id)) runs.unshift(current);
  const annotations = await store.suggestions.anchoringAnnotations(datasetId);
  const anchorings: RunAnchoring[] = [];
  for (const run of runs) {
    const scores = new Map<number, [number, number | null][]>();
    for (const s of await store.suggestions.datasetScores(run.id, datasetId)) {
      const list = scores.get(s.promptId) ?? [];
      list.push([s.id, s.reward]);
      scores.set(s.promptId, list);
    }
    const orders = new Map<number, RankingGroups>();
    const orderOf = (promptId: number): RankingGroups | null => {
      if (orders.has(promptId)) return orders.get(promptId)!;
      const list = scores.get(promptId);
      if (!list || list.length < 2 || list.some(([, reward]) => reward === null)) return null;
      const order = orderFromScores(list as [number, number][]);
      orders.set(promptId, order);
      return order;
    };
    const rows = annotations.flatMap((a) => {
      if (a.runId === run.id) return [{ suggested: true, distance: a.distance }];
      if (a.runId !== null) return [];
      const order = orderOf(a.promptId);
      return order
        ? [{ suggested: false, distance: rankingDistance(order, JSON.parse(a.ranking) as RankingGroups) }]
        : [];
    });
    anchorings.push({ runId: run.id, runName: run.name, current: run.id === current?.id, ...summarizeAnchoring(rows) });
  }
  return anchorings;
}
