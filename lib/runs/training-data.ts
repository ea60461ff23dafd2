/** How a dataset's annotations become the ml/ library's training prompts. */
import "server-only";
import { asc, eq } from "drizzle-orm";
import type { Db } from "@/db";
import { schema } from "@/db";
import type { TrainingPrompt } from "@/ml";
import {
  isRankable,
  promptOpenness,
  rankableAnnotationSql,
  trainingOpenness,
  type MissingOpenness,
  type TaggedAnnotation,
} from "@/lib/openness/resolve";
import { datasetOpennessEstimates } from "@/lib/openness/estimates";
import { acceptedSql } from "@/db/store/review";

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
export function datasetTrainingStats(db: Db): DatasetTrainingStats[] {
  const rows = db.$client
    .prepare(
      `select d.id as datasetId, d.slug, d.name, d.synthetic,
              (select count(*) from prompts p where p.dataset_id = d.id) as prompts,
              count(distinct r.prompt_id) as ranked,
              count(distinct case when r.has_openness then r.prompt_id end) as rankedWithOpenness,
              coalesce(sum(r.n), 0) as annotations
         from datasets d
         left join (
           select p.id as prompt_id, p.dataset_id,
                  (p.openness is not null or count(a.openness) > 0) as has_openness,
                  count(*) as n
             from prompts p
             join annotations a on a.prompt_id = p.id and ${rankableAnnotationSql("a")}
            group by p.id
         ) r on r.dataset_id = d.id
        where d.import_staging = 0
        group by d.id
        order by d.synthetic, d.name`,
    )
    .all() as (Omit<DatasetTrainingStats, "synthetic" | "rankedWithoutOpenness"> & { synthetic: number })[];
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
export function loadTrainingPrompts(
  db: Db,
  datasetId: number,
  missing: MissingOpenness,
  { acceptedOnly = false }: { acceptedOnly?: boolean } = {},
): { prompts: (TrainingPrompt & { openness: number })[]; excludedWithoutOpenness: number } {
  const promptRows = db
    .select({ id: schema.prompts.id, text: schema.prompts.text, openness: schema.prompts.openness })
    .from(schema.prompts)
    .where(eq(schema.prompts.datasetId, datasetId))
    .orderBy(asc(schema.prompts.id))
    .all();
  const responseRows = db.$client
    .prepare(
      `select r.id, r.prompt_id as promptId, r.text, r.embedding from responses r
         join prompts p on p.id = r.prompt_id where p.dataset_id = ? order by r.prompt_id, r.position`,
    )
    .all(datasetId) as { id: number; promptId: number; text: string; embedding: string | null }[];
  const annotationRows = db.$client
    .prepare(
      `select a.prompt_id as promptId, a.ranking, a.openness from annotations a
         join prompts p on p.id = a.prompt_id
        where p.dataset_id = ? and p.gold is null and a.not_rankable = 0${acceptedOnly ? ` and ${acceptedSql("a")}` : ""} order by a.id`,
    )
    .all(datasetId) as { promptId: number; ranking: string; openness: number | null }[];

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

  const estimates = missing.policy === "estimate" ? datasetOpennessEstimates(db, datasetId) : null;
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
