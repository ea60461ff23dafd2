import "server-only";
import { z } from "zod";
import type { Store } from "@/lib/db";
import type { PausedAnnotatorRow, PauseRow, QualityWindowRow } from "@/db/store/quality";
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

export async function datasetQualitySettings(store: Store, datasetId: number): Promise<QualitySettings> {
  const stored = await store.quality.settings(datasetId);
  return qualitySettings(stored ? JSON.parse(stored) : {});
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
export async function setGold(store: Store, promptId: number, gold: GoldAnswer | null): Promise<void> {
  const ids = await store.quality.responseIds(promptId);
  if (!ids.length) throw new AppError("not-found", `There is no prompt ${promptId}.`);
  if (gold && "best" in gold && !ids.includes(gold.best)) {
    throw new AppError("invalid", `Response ${gold.best} is not one of prompt ${promptId}'s responses.`);
  }
  if (gold && "ranking" in gold) {
    const listed = gold.ranking.flat();
    if (listed.length !== ids.length || new Set(listed).size !== ids.length || listed.some((id) => !ids.includes(id)))
      throw new AppError("invalid", `A gold ranking lists each of the prompt's ${ids.length} responses exactly once.`);
  }
  await store.quality.setGold(promptId, gold ? JSON.stringify(gold) : null);
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
export async function importGold(store: Store, slug: string, items: z.infer<typeof goldImportSchema>["gold"]) {
  const datasetId = await store.quality.datasetId(slug);
  if (datasetId === null) throw new AppError("not-found", `There is no dataset "${slug}".`);
  return store.transaction("atomic", async (tx) => {
    const problems: string[] = [];
    let marked = 0;
    for (const [index, item] of items.entries()) {
      const before = problems.length;
      const promptId = await tx.quality.promptId(datasetId, item.prompt_id);
      if (promptId === null) {
        problems.push(`gold[${index}]: no prompt "${item.prompt_id}" in ${slug}.`);
        continue;
      }
      const ids = new Map((await tx.quality.responsesWithExternalIds(promptId)).map((r) => [r.external_id, r.id]));
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
      if (problems.length > before) continue;
      try {
        await setGold(tx, promptId, gold);
        marked++;
      } catch (error) {
        if (!(error instanceof AppError)) throw error;
        problems.push(`gold[${index}]: ${error.message}`);
      }
    }
    if (problems.length) throw new AppError("invalid", `Nothing was marked: ${problems.join(" ")}`, { problems });
    return { marked };
  });
}

/** A prompt's known answer, null when it is not gold. */
export async function goldOf(store: Store, promptId: number): Promise<GoldAnswer | null> {
  const text = await store.quality.gold(promptId);
  return text ? (JSON.parse(text) as GoldAnswer) : null;
}

export function goldPromptCount(store: Store, datasetId: number): Promise<number> {
  return store.quality.goldCount(datasetId);
}

/** Whether this hand-out should be a gold prompt: a fixed draw per (dataset, annotator, hand-out number). */
export function drawsGold(settings: QualitySettings, datasetId: number, annotatorId: number, handout: number): boolean {
  if (settings.goldRate <= 0) return false;
  return seededRandom(hashString(`gold:${datasetId}:${annotatorId}:${handout}`))() < settings.goldRate;
}

export type Pause = PauseRow;

export function activePause(store: Store, datasetId: number, annotatorId: number): Promise<Pause | null> {
  return store.quality.activePause(datasetId, annotatorId);
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

type WindowRow = QualityWindowRow;

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
export async function annotatorQuality(
  store: Store,
  datasetId: number,
  annotatorId?: number,
): Promise<AnnotatorQuality[]> {
  const settings = await datasetQualitySettings(store, datasetId);
  const rows = await store.quality.window(datasetId, QUALITY_WINDOW, annotatorId);
  const byAnnotator = new Map<number, WindowRow[]>();
  for (const row of rows) byAnnotator.set(row.annotator_id, [...(byAnnotator.get(row.annotator_id) ?? []), row]);
  const ids = annotatorId === undefined ? [...byAnnotator.keys()] : [annotatorId];
  const qualities: AnnotatorQuality[] = [];
  for (const id of ids) {
    const window = byAnnotator.get(id) ?? [];
    const pause = await activePause(store, datasetId, id);
    if (!window.length && !pause) continue;
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
    const user = window[0] ?? (await store.quality.user(id))!;
    qualities.push({ annotatorId: id, name: user.name, email: user.email, gold, fast, ...judged, pause });
  }
  return qualities;
}

/**
 * After an annotator's save: pauses them on the dataset when their checks cross a pause threshold
 * (and they are not paused already). Returns the pause, if any.
 */
export async function enforceQuality(store: Store, datasetId: number, annotatorId: number): Promise<Pause | null> {
  const current = await activePause(store, datasetId, annotatorId);
  if (current) return current;
  const [quality] = await annotatorQuality(store, datasetId, annotatorId);
  if (!quality || quality.level !== "pause") return null;
  const reason = `Paused by the quality checks: ${quality.reasons.join("; ")}. An admin can resume you.`;
  await store.quality.pause(datasetId, annotatorId, reason);
  return activePause(store, datasetId, annotatorId);
}

/** An admin resumes a paused annotator: checks count again from now. */
export async function resumeAnnotator(store: Store, pauseId: number, adminId: number): Promise<void> {
  if (!(await store.quality.resume(pauseId, adminId, Date.now())))
    throw new AppError("not-found", "That pause is not active (already resumed?).");
}

export type PausedAnnotator = PausedAnnotatorRow;

/** Every active pause, newest first (the admin page). */
export function listPauses(store: Store): Promise<PausedAnnotator[]> {
  return store.quality.pauses();
}
