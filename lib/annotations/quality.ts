import "server-only";
import { z } from "zod";
import { sql } from "drizzle-orm";
import type { Db } from "@/db";
import type { GoldAnswer, RankingGroups } from "@/lib/domain";
import { AppError } from "@/lib/errors";
import { mean, rankingTauB } from "@/lib/annotations/agreement";
import { hashString, seededRandom } from "@/lib/random";

/**
 * Gold and attention checks (docs/quality.md). A dataset mixes gold prompts (a known ranking or a
 * known best response) into each annotator's queue at `goldRate`; an annotation faster than the
 * floor for its responses' length is "too fast". Over an annotator's last QUALITY_WINDOW
 * annotations of a dataset since an admin last resumed them, the mean tau-b with gold and the
 * too-fast share warn, then pause them, once there are at least `minChecks` of each.
 */
export const qualitySettingsSchema = z.object({
  /** Share of hand-outs that are gold prompts (while the annotator has gold prompts left). */
  goldRate: z.number().min(0).max(1).default(0.1),
  /** The too-fast floor: this many seconds, plus `floorSecondsPer1000Chars` per 1,000 characters of the responses. */
  floorSeconds: z.number().min(0).max(3600).default(4),
  floorSecondsPer1000Chars: z.number().min(0).max(3600).default(4),
  /** Checks (gold answers, or timed annotations) needed before a share or a mean can warn or pause. */
  minChecks: z.number().int().min(1).max(1000).default(5),
  warnGoldTau: z.number().min(-1).max(1).default(0.3),
  pauseGoldTau: z.number().min(-1).max(1).default(0.1),
  warnFastShare: z.number().min(0).max(1).default(0.25),
  pauseFastShare: z.number().min(0).max(1).default(0.5),
});
export type QualitySettings = z.infer<typeof qualitySettingsSchema>;

/** How many of an annotator's latest annotations of a dataset the checks look at. */
export const QUALITY_WINDOW = 50;

export function qualitySettings(stored: unknown): QualitySettings {
  const parsed = qualitySettingsSchema.safeParse(stored ?? {});
  return parsed.success ? parsed.data : qualitySettingsSchema.parse({});
}

export function datasetQualitySettings(db: Db, datasetId: number): QualitySettings {
  const row = db.$client
    .prepare<[number], { quality: string }>("select quality from datasets where id = ?")
    .get(datasetId);
  return qualitySettings(row ? JSON.parse(row.quality) : {});
}

/** The too-fast floor (ms) for an annotation of responses totalling `chars` characters. */
export function tooFastFloorMs(settings: QualitySettings, chars: number): number {
  return 1000 * (settings.floorSeconds + (settings.floorSecondsPer1000Chars * chars) / 1000);
}

/** A gold answer as a ranking: a known best response is its own first group, the rest tied after it. */
export function goldRanking(gold: GoldAnswer, responseIds: readonly number[]): RankingGroups {
  if ("ranking" in gold) return gold.ranking;
  return [[gold.best], responseIds.filter((id) => id !== gold.best)];
}

export const goldAnswerSchema = z.union([
  z.object({ ranking: z.array(z.array(z.number().int()).min(1)).min(2) }).strict(),
  z.object({ best: z.number().int() }).strict(),
]);

/** Marks a prompt gold with its known answer (or unmarks it with null); the ids must be the prompt's responses. */
export function setGold(db: Db, promptId: number, gold: GoldAnswer | null): void {
  const ids = db.$client
    .prepare<[number], number>("select id from responses where prompt_id = ?")
    .pluck()
    .all(promptId);
  if (!ids.length) throw new AppError("not-found", `There is no prompt ${promptId}.`);
  if (gold && "best" in gold && !ids.includes(gold.best)) {
    throw new AppError("invalid", `Response ${gold.best} is not one of prompt ${promptId}'s responses.`);
  }
  if (gold && "ranking" in gold) {
    const listed = gold.ranking.flat();
    if (listed.length !== ids.length || new Set(listed).size !== ids.length || listed.some((id) => !ids.includes(id)))
      throw new AppError("invalid", `A gold ranking lists each of the prompt's ${ids.length} responses exactly once.`);
  }
  db.$client.prepare("update prompts set gold = ? where id = ?").run(gold ? JSON.stringify(gold) : null, promptId);
  // Gold prompts stay out of the agreement statistics: recompute the prompt's.
  db.$client.prepare("update prompt_stats set stale = 1 where prompt_id = ? and stale = 0").run(promptId);
}

const externalId = z.string().min(1).max(500);

/** Body of POST /api/datasets/<slug>/gold: known answers by the dataset's external ids. */
export const goldImportSchema = z.object({
  gold: z
    .array(
      z.union([
        z.object({ prompt_id: externalId, ranking: z.array(z.array(externalId).min(1)).min(2) }).strict(),
        z.object({ prompt_id: externalId, best: externalId }).strict(),
        z.object({ prompt_id: externalId, gold: z.null() }).strict(),
      ]),
    )
    .min(1)
    .max(10_000),
});

/**
 * Marks a dataset's prompts gold from their external ids, in one transaction: every item is
 * checked, and any bad item writes nothing (the error lists each bad item by its index).
 */
export function importGold(db: Db, slug: string, items: z.infer<typeof goldImportSchema>["gold"]) {
  const dataset = db.$client
    .prepare<[string], { id: number }>("select id from datasets where slug = ? and import_staging = 0")
    .get(slug);
  if (!dataset) throw new AppError("not-found", `There is no dataset "${slug}".`);
  const promptOf = db.$client.prepare<[number, string], { id: number }>(
    "select id from prompts where dataset_id = ? and external_id = ?",
  );
  const responsesOf = db.$client.prepare<[number], { id: number; external_id: string }>(
    "select id, external_id from responses where prompt_id = ?",
  );
  return db.$client.transaction(() => {
    const problems: string[] = [];
    let marked = 0;
    items.forEach((item, index) => {
      const before = problems.length;
      const prompt = promptOf.get(dataset.id, item.prompt_id);
      if (!prompt) return void problems.push(`gold[${index}]: no prompt "${item.prompt_id}" in ${slug}.`);
      const ids = new Map(responsesOf.all(prompt.id).map((r) => [r.external_id, r.id]));
      const id = (external: string) => {
        const found = ids.get(external);
        if (found === undefined)
          problems.push(`gold[${index}]: prompt "${item.prompt_id}" has no response "${external}".`);
        return found ?? -1;
      };
      const gold: GoldAnswer | null =
        "gold" in item
          ? null
          : "best" in item
            ? { best: id(item.best) }
            : { ranking: item.ranking.map((g) => g.map(id)) };
      if (problems.length > before) return;
      try {
        setGold(db, prompt.id, gold);
        marked++;
      } catch (error) {
        if (!(error instanceof AppError)) throw error;
        problems.push(`gold[${index}]: ${error.message}`);
      }
    });
    if (problems.length) throw new AppError("invalid", `Nothing was marked: ${problems.join(" ")}`, { problems });
    return { marked };
  })();
}

/** A prompt's known answer, null when it is not gold. */
export function goldOf(db: Db, promptId: number): GoldAnswer | null {
  const text = db.$client
    .prepare<[number], string | null>("select gold from prompts where id = ?")
    .pluck()
    .get(promptId);
  return text ? (JSON.parse(text) as GoldAnswer) : null;
}

export function goldPromptCount(db: Db, datasetId: number): number {
  return db.$client
    .prepare<[number], number>("select count(*) from prompts where dataset_id = ? and gold is not null")
    .pluck()
    .get(datasetId)!;
}

/** Whether this hand-out should be a gold prompt: a fixed draw per (dataset, annotator, hand-out number). */
export function drawsGold(settings: QualitySettings, datasetId: number, annotatorId: number, handout: number): boolean {
  if (settings.goldRate <= 0) return false;
  return seededRandom(hashString(`gold:${datasetId}:${annotatorId}:${handout}`))() < settings.goldRate;
}

/**
 * A gold prompt of the dataset this annotator has not answered nor skipped, in an order of their
 * own (so annotators do not all meet the same check first); null when none is left.
 */
export function goldPromptFor(db: Db, datasetId: number, annotatorId: number, at: number, except: number | null) {
  return (
    db.get<{ id: number }>(sql`
      select p.id as id from prompts p
      where p.dataset_id = ${datasetId} and p.gold is not null and p.id != ${except ?? -1}
        and not exists (select 1 from annotations a where a.prompt_id = p.id and a.annotator_id = ${annotatorId})
        and not exists (
          select 1 from assignments s
          where s.prompt_id = p.id and s.annotator_id = ${annotatorId} and s.skipped = 1 and s.leased_until > ${at})
      order by (p.id * 2654435761 + ${annotatorId}) % 1000003
      limit 1`) ?? null
  );
}

export type Pause = { id: number; reason: string; pausedAt: Date };

export function activePause(db: Db, datasetId: number, annotatorId: number): Pause | null {
  const row = db.$client
    .prepare<[number, number], { id: number; reason: string; paused_at: number }>(
      `select id, reason, paused_at from annotator_pauses
       where dataset_id = ? and annotator_id = ? and resumed_at is null order by id desc limit 1`,
    )
    .get(datasetId, annotatorId);
  return row ? { id: row.id, reason: row.reason, pausedAt: new Date(row.paused_at) } : null;
}

export type QualityLevel = "ok" | "warn" | "pause";

export type AnnotatorQuality = {
  annotatorId: number;
  name: string;
  email: string;
  /** Gold answers in the window, and their mean tau-b with the gold answer (null when none). */
  gold: { count: number; meanTau: number | null };
  /** Timed annotations in the window, and how many were under the floor. */
  fast: { count: number; tooFast: number; share: number | null };
  level: QualityLevel;
  /** What the checks say, in words an annotator can act on (empty when all is well). */
  reasons: string[];
  pause: Pause | null;
};

type WindowRow = {
  annotator_id: number;
  name: string;
  email: string;
  duration_ms: number | null;
  not_rankable: number;
  ranking: string;
  gold: string | null;
  chars: number;
  response_ids: string;
};

/** The level and reasons for one annotator's window of checks. */
export function judgeQuality(
  settings: QualitySettings,
  gold: AnnotatorQuality["gold"],
  fast: AnnotatorQuality["fast"],
): { level: QualityLevel; reasons: string[] } {
  const reasons: string[] = [];
  let level: QualityLevel = "ok";
  const raise = (to: QualityLevel) => {
    if (to === "pause" || (to === "warn" && level === "ok")) level = to;
  };
  if (gold.meanTau !== null && gold.count >= settings.minChecks) {
    const said = `your rankings of ${gold.count} check prompts agree with their known answers at τ-b ${gold.meanTau.toFixed(2)}`;
    if (gold.meanTau < settings.pauseGoldTau) {
      raise("pause");
      reasons.push(`${said}, below the ${settings.pauseGoldTau} this dataset asks for`);
    } else if (gold.meanTau < settings.warnGoldTau) {
      raise("warn");
      reasons.push(`${said} (${settings.warnGoldTau} or more is expected)`);
    }
  }
  if (fast.share !== null && fast.count >= settings.minChecks) {
    const said = `${fast.tooFast} of your last ${fast.count} annotations took less time than reading the responses needs`;
    if (fast.share >= settings.pauseFastShare) {
      raise("pause");
      reasons.push(said);
    } else if (fast.share >= settings.warnFastShare) {
      raise("warn");
      reasons.push(said);
    }
  }
  return { level, reasons };
}

/**
 * Quality of a dataset's annotators (or one of them): their last QUALITY_WINDOW annotations
 * since an admin last resumed them. Annotators with no annotation in the window are left out.
 */
export function annotatorQuality(db: Db, datasetId: number, annotatorId?: number): AnnotatorQuality[] {
  const settings = datasetQualitySettings(db, datasetId);
  const rows = db.$client
    .prepare<unknown[], WindowRow>(
      `select * from (
         select a.annotator_id, u.name, u.email, a.duration_ms, a.not_rankable, a.ranking, p.gold,
           (select coalesce(sum(length(r.text)), 0) from responses r where r.prompt_id = a.prompt_id) as chars,
           (select json_group_array(r.id) from responses r where r.prompt_id = a.prompt_id) as response_ids,
           row_number() over (partition by a.annotator_id order by a.updated_at desc, a.id desc) as n
         from annotations a join prompts p on p.id = a.prompt_id join users u on u.id = a.annotator_id
         where p.dataset_id = ? ${annotatorId === undefined ? "" : "and a.annotator_id = ?"}
           and a.updated_at > coalesce((select max(ap.resumed_at) from annotator_pauses ap
                 where ap.dataset_id = p.dataset_id and ap.annotator_id = a.annotator_id), 0)
       ) where n <= ${QUALITY_WINDOW}`,
    )
    .all(...(annotatorId === undefined ? [datasetId] : [datasetId, annotatorId]));
  const byAnnotator = new Map<number, WindowRow[]>();
  for (const row of rows) byAnnotator.set(row.annotator_id, [...(byAnnotator.get(row.annotator_id) ?? []), row]);
  const ids = annotatorId === undefined ? [...byAnnotator.keys()] : [annotatorId];
  return ids.flatMap((id) => {
    const window = byAnnotator.get(id) ?? [];
    const pause = activePause(db, datasetId, id);
    if (!window.length && !pause) return [];
    const taus = window.flatMap((r) => {
      if (!r.gold || r.not_rankable) return [];
      const gold = JSON.parse(r.gold) as GoldAnswer;
      const tau = rankingTauB(JSON.parse(r.ranking) as RankingGroups, goldRanking(gold, JSON.parse(r.response_ids)));
      return tau === null ? [] : [tau];
    });
    const timed = window.filter((r) => r.duration_ms !== null);
    const tooFast = timed.filter((r) => r.duration_ms! < tooFastFloorMs(settings, r.chars)).length;
    const gold = { count: taus.length, meanTau: taus.length ? mean(taus) : null };
    const fast = { count: timed.length, tooFast, share: timed.length ? tooFast / timed.length : null };
    const judged = judgeQuality(settings, gold, fast);
    const first = window[0];
    const user =
      first ??
      db.$client
        .prepare<[number], { name: string; email: string }>("select name, email from users where id = ?")
        .get(id)!;
    return [{ annotatorId: id, name: user.name, email: user.email, gold, fast, ...judged, pause }];
  });
}

/**
 * After an annotator's save: pauses them on the dataset when their checks cross a pause threshold
 * (and they are not paused already). Returns the pause, if any.
 */
export function enforceQuality(db: Db, datasetId: number, annotatorId: number): Pause | null {
  const current = activePause(db, datasetId, annotatorId);
  if (current) return current;
  const [quality] = annotatorQuality(db, datasetId, annotatorId);
  if (!quality || quality.level !== "pause") return null;
  const reason = `Paused by the quality checks: ${quality.reasons.join("; ")}. An admin can resume you.`;
  db.$client
    .prepare("insert into annotator_pauses (dataset_id, annotator_id, reason) values (?, ?, ?)")
    .run(datasetId, annotatorId, reason);
  return activePause(db, datasetId, annotatorId);
}

/** An admin resumes a paused annotator: checks count again from now. */
export function resumeAnnotator(db: Db, pauseId: number, adminId: number): void {
  const result = db.$client
    .prepare("update annotator_pauses set resumed_at = ?, resumed_by = ? where id = ? and resumed_at is null")
    .run(Date.now(), adminId, pauseId);
  if (result.changes === 0) throw new AppError("not-found", "That pause is not active (already resumed?).");
}

export type PausedAnnotator = Pause & { datasetSlug: string; datasetName: string; email: string; name: string };

/** Every active pause, newest first (the admin page). */
export function listPauses(db: Db): PausedAnnotator[] {
  return db.$client
    .prepare<
      [],
      { id: number; reason: string; paused_at: number; slug: string; dname: string; email: string; name: string }
    >(
      `select ap.id, ap.reason, ap.paused_at, d.slug, d.name as dname, u.email, u.name from annotator_pauses ap
       join datasets d on d.id = ap.dataset_id join users u on u.id = ap.annotator_id
       where ap.resumed_at is null order by ap.id desc`,
    )
    .all()
    .map((r) => ({
      id: r.id,
      reason: r.reason,
      pausedAt: new Date(r.paused_at),
      datasetSlug: r.slug,
      datasetName: r.dname,
      email: r.email,
      name: r.name,
    }));
}
