import { sql } from "drizzle-orm";
import type { Db } from "../index";
import type { Synchronous } from "./transaction";
import { visibleDatasetText } from "./visible";

export type PauseRow = { id: number; reason: string; pausedAt: Date };
export type PausedAnnotatorRow = PauseRow & { datasetSlug: string; datasetName: string; email: string; name: string };

/** One annotation in an annotator's window of quality checks (lib/annotations/quality.ts). */
export type QualityWindowRow = {
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

/** Gold prompts and the quality checks' pauses. Gold answers and settings travel as their stored JSON text. */
export interface QualityStore {
  /** The dataset's stored quality settings (JSON text), null when there is no such dataset. */
  settings(datasetId: number): Promise<string | null>;
  responseIds(promptId: number): Promise<number[]>;
  /** Sets a prompt's gold answer (JSON text, or null to unmark it). */
  setGold(promptId: number, gold: string | null): Promise<void>;
  /** A visible dataset's id by slug. */
  datasetId(slug: string): Promise<number | null>;
  promptId(datasetId: number, externalId: string): Promise<number | null>;
  responsesWithExternalIds(promptId: number): Promise<{ id: number; external_id: string }[]>;
  gold(promptId: number): Promise<string | null>;
  goldCount(datasetId: number): Promise<number>;
  /**
   * A gold prompt of the dataset this annotator has not answered nor skipped, in an order of their
   * own (so annotators do not all meet the same check first), but `except`; null when none is left.
   */
  goldPromptFor(datasetId: number, annotatorId: number, at: number, except: number | null): Promise<number | null>;
  activePause(datasetId: number, annotatorId: number): Promise<PauseRow | null>;
  /** Each annotator's (or one's) last `size` annotations of the dataset since an admin last resumed them. */
  window(datasetId: number, size: number, annotatorId?: number): Promise<QualityWindowRow[]>;
  user(userId: number): Promise<{ name: string; email: string } | null>;
  pause(datasetId: number, annotatorId: number, reason: string): Promise<void>;
  /** Ends an active pause; false when it was not active. */
  resume(pauseId: number, adminId: number, at: number): Promise<boolean>;
  /** Every active pause, newest first. */
  pauses(): Promise<PausedAnnotatorRow[]>;
}

export function sqliteQualityStore(db: Db) {
  const sqlite = db.$client;
  const activePause = (datasetId: number, annotatorId: number): PauseRow | null => {
    const row = sqlite
      .prepare<[number, number], { id: number; reason: string; paused_at: number }>(
        `select id, reason, paused_at from annotator_pauses
       where dataset_id = ? and annotator_id = ? and resumed_at is null order by id desc limit 1`,
      )
      .get(datasetId, annotatorId);
    return row ? { id: row.id, reason: row.reason, pausedAt: new Date(row.paused_at) } : null;
  };
  return {
    settings: (datasetId: number) =>
      sqlite.prepare<[number], { quality: string }>("select quality from datasets where id = ?").get(datasetId)
        ?.quality ?? null,
    responseIds: (promptId: number) =>
      sqlite
        .prepare<[number], number>("select id from responses where prompt_id = ? order by id")
        .pluck()
        .all(promptId),
    setGold(promptId: number, gold: string | null) {
      sqlite.prepare("update prompts set gold = ? where id = ?").run(gold, promptId);
      // Gold prompts stay out of the agreement statistics: recompute the prompt's.
      sqlite.prepare("update prompt_stats set stale = 1 where prompt_id = ? and stale = 0").run(promptId);
    },
    datasetId: (slug: string) =>
      sqlite
        .prepare<[string], { id: number }>(
          `select id from datasets where slug = ? and ${visibleDatasetText("datasets")}`,
        )
        .get(slug)?.id ?? null,
    promptId: (datasetId: number, externalId: string) =>
      sqlite
        .prepare<[number, string], { id: number }>("select id from prompts where dataset_id = ? and external_id = ?")
        .get(datasetId, externalId)?.id ?? null,
    responsesWithExternalIds: (promptId: number) =>
      sqlite
        .prepare<[number], { id: number; external_id: string }>(
          "select id, external_id from responses where prompt_id = ? order by id",
        )
        .all(promptId),
    gold: (promptId: number) =>
      sqlite.prepare<[number], string | null>("select gold from prompts where id = ?").pluck().get(promptId) ?? null,
    goldCount: (datasetId: number) =>
      sqlite
        .prepare<[number], number>("select count(*) from prompts where dataset_id = ? and gold is not null")
        .pluck()
        .get(datasetId)!,
    goldPromptFor: (datasetId: number, annotatorId: number, at: number, except: number | null) =>
      db.get<{ id: number }>(sql`
      select p.id as id from prompts p
      where p.dataset_id = ${datasetId} and p.gold is not null and p.id != ${except ?? -1}
        and not exists (select 1 from annotations a where a.prompt_id = p.id and a.annotator_id = ${annotatorId})
        and not exists (
          select 1 from assignments s
          where s.prompt_id = p.id and s.annotator_id = ${annotatorId} and s.skipped = 1 and s.leased_until > ${at})
      order by (p.id * 2654435761 + ${annotatorId}) % 1000003, p.id
      limit 1`)?.id ?? null,
    activePause,
    window: (datasetId: number, size: number, annotatorId?: number) =>
      sqlite
        .prepare<unknown[], QualityWindowRow>(
          `select * from (
         select a.annotator_id, u.name, u.email, a.duration_ms, a.not_rankable, a.ranking, p.gold,
           (select coalesce(sum(length(r.text)), 0) from responses r where r.prompt_id = a.prompt_id) as chars,
           (select json_group_array(r.id order by r.id) from responses r where r.prompt_id = a.prompt_id) as response_ids,
           row_number() over (partition by a.annotator_id order by a.updated_at desc, a.id desc) as n
         from annotations a join prompts p on p.id = a.prompt_id join users u on u.id = a.annotator_id
         where p.dataset_id = ? ${annotatorId === undefined ? "" : "and a.annotator_id = ?"}
           and a.updated_at > coalesce((select max(ap.resumed_at) from annotator_pauses ap
                 where ap.dataset_id = p.dataset_id and ap.annotator_id = a.annotator_id), 0)
       ) where n <= ${size} order by annotator_id, n`,
        )
        .all(...(annotatorId === undefined ? [datasetId] : [datasetId, annotatorId])),
    user: (userId: number) =>
      sqlite
        .prepare<[number], { name: string; email: string }>("select name, email from users where id = ?")
        .get(userId) ?? null,
    pause(datasetId: number, annotatorId: number, reason: string) {
      sqlite
        .prepare("insert into annotator_pauses (dataset_id, annotator_id, reason) values (?, ?, ?)")
        .run(datasetId, annotatorId, reason);
    },
    resume: (pauseId: number, adminId: number, at: number) =>
      sqlite
        .prepare("update annotator_pauses set resumed_at = ?, resumed_by = ? where id = ? and resumed_at is null")
        .run(at, adminId, pauseId).changes > 0,
    pauses: () =>
      sqlite
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
        })),
  } satisfies Synchronous<QualityStore>;
}
