import type { Db } from "../index";
import type { Synchronous } from "./transaction";
import { deleteDataset, deleteSomePrompts, moveStagedPrompts, publishStagingDataset } from "./writer";

/** A staged import as the clean-up sees it: its staging dataset, and its row of dataset_imports if any. */
export type StagingRow = {
  id: number;
  owner_pid: number | null;
  /** Epoch ms of the importer's last renewal. */
  heartbeat_at: number | null;
  target_dataset_id: number | null;
};

/** An annotation version staged for landing (the version as lib/datasets/import-staging.ts wrote it, JSON). */
export type StagedAnnotationRow = { id: number; prompt_id: number; annotator_id: number; version: string };

/** An annotation version to stage: `version` is JSON (lib/datasets/import-staging.ts). */
export type StagedAnnotation = { promptId: number; annotatorId: number; version: string };

/** The state of an import (dataset_imports.state): writing its staging, landing it, or being discarded. */
export type ImportState = "staging" | "landing" | "discarding";

/**
 * Imports: reading a file's target, and the staging an import fills (a dataset marked import_staging
 * with its dataset_imports row: owner, lease, state, the accounts it created, staged annotations)
 * until it lands or is discarded (lib/datasets/import.ts, lib/datasets/import-staging.ts).
 */
export interface ImportStore {
  /** The visible dataset with this slug, as an import's target: its id and responses per prompt; null if none. */
  target(slug: string): Promise<{ id: number; responses_per_prompt: number } | null>;
  /** The settings of a dataset (visible or not) by id; null if there is none. */
  settings(datasetId: number): Promise<{
    name: string;
    guidelines: string;
    responses_per_prompt: number;
    annotations_per_prompt: number;
  } | null>;
  /** The dataset's prompts with these external ids (text and messages JSON as stored). */
  prompts(
    datasetId: number,
    externalIds: readonly string[],
  ): Promise<{ id: number; external_id: string; text: string; messages: string | null }[]>;
  /** These prompts' responses, by prompt and then position. */
  responses(
    promptIds: readonly number[],
  ): Promise<{ prompt_id: number; id: number; external_id: string; text: string }[]>;
  /** The users with these emails (compared as given). */
  usersByEmail(emails: readonly string[]): Promise<{ id: number; email: string }[]>;
  /**
   * Records a new staging: its dataset (made by the caller), its target (an existing dataset's id,
   * or null when the import creates `targetSlug`), its owner process and first heartbeat (epoch ms),
   * state "staging" and no created accounts yet.
   */
  register(
    stagingDatasetId: number,
    targetDatasetId: number | null,
    targetSlug: string,
    ownerPid: number,
    now: number,
  ): Promise<void>;
  /** Renews the lease of a staging still in state "staging"; false when it is not (claimed for discarding, or gone). */
  renewStaging(stagingDatasetId: number, now: number): Promise<boolean>;
  /** Renews the lease of a landing staging and makes `ownerPid` its owner; false when it is not landing (finished, or gone). */
  renewLanding(stagingDatasetId: number, now: number, ownerPid: number): Promise<boolean>;
  /** Renews the lease of a staging whatever its state (its discarder's). */
  renewAny(stagingDatasetId: number, now: number): Promise<void>;
  /** The accounts the import has created so far (ids), replacing the recorded list. */
  setCreatedAnnotators(stagingDatasetId: number, userIds: readonly number[]): Promise<void>;
  /** The recorded list of accounts the import created: the JSON text as written, null when the row is gone. */
  createdAnnotators(stagingDatasetId: number): Promise<string | null>;
  /** Keeps annotation versions (JSON) of prompts the target already has, for landing, in this order. */
  stageAnnotations(stagingDatasetId: number, annotations: readonly StagedAnnotation[]): Promise<void>;
  /** Whether any dataset (visible or staged) has this slug. */
  slugTaken(slug: string): Promise<boolean>;
  /** Whether a dataset (visible or staged) with this id exists. */
  datasetExists(datasetId: number): Promise<boolean>;
  /** The slug of the visible dataset with this id, or null. */
  visibleSlug(datasetId: number): Promise<string | null>;
  /**
   * External ids (up to 5) of the staging's prompts that the target already has, or that another
   * import landing into the same target still holds in its staging.
   */
  landingClashes(targetDatasetId: number, stagingDatasetId: number): Promise<string[]>;
  /** Makes a new dataset's staging the dataset `slug` (visible), and forgets its dataset_imports row. */
  publish(stagingDatasetId: number, slug: string): Promise<void>;
  /** Sets the staging's state. */
  setState(stagingDatasetId: number, state: ImportState): Promise<void>;
  /**
   * Takes a staging for its caller: a landing one stays "landing", any other becomes "discarding";
   * `ownerPid` becomes its owner, `now` its heartbeat. Returns the state after, or null when it has no row.
   */
  claim(stagingDatasetId: number, ownerPid: number, now: number): Promise<ImportState | null>;
  /** Every staging dataset with its dataset_imports row (nulls when it has none). */
  stagings(): Promise<StagingRow[]>;
  /** The writer's moveStagedPrompts: up to `limit` prompts, lowest ids first, into the target; how many moved. */
  movePrompts(stagingDatasetId: number, targetDatasetId: number, limit: number): Promise<number>;
  /** The staging's next `limit` staged annotations, oldest first. */
  stagedAnnotations(stagingDatasetId: number, limit: number): Promise<StagedAnnotationRow[]>;
  /** Deletes these staged annotations. */
  deleteStagedAnnotations(ids: readonly number[]): Promise<void>;
  /** The writer's deleteSomePrompts: up to `limit` prompts of the dataset go; how many did. */
  deletePrompts(datasetId: number, limit: number): Promise<number>;
  /** Deletes a dataset (its prompts should be gone already); its dataset_imports row and staged annotations go with it. */
  deleteDataset(datasetId: number): Promise<void>;
  /** Deletes an external account that no annotation and no staged annotation refers to (else nothing). */
  removeUnusedExternalUser(userId: number): Promise<void>;
}

export function sqliteImportStore(db: Db) {
  const sqlite = db.$client;
  return {
    target: (slug: string) =>
      sqlite
        .prepare<[string], { id: number; responses_per_prompt: number }>(
          "select id, responses_per_prompt from datasets where slug = ? and import_staging = 0",
        )
        .get(slug) ?? null,
    settings: (datasetId: number) =>
      sqlite
        .prepare<
          [number],
          { name: string; guidelines: string; responses_per_prompt: number; annotations_per_prompt: number }
        >("select name, guidelines, responses_per_prompt, annotations_per_prompt from datasets where id = ?")
        .get(datasetId) ?? null,
    prompts: (datasetId: number, externalIds: readonly string[]) =>
      sqlite
        .prepare<[number, string], { id: number; external_id: string; text: string; messages: string | null }>(
          "select id, external_id, text, messages from prompts where dataset_id = ? and external_id in (select value from json_each(?))",
        )
        .all(datasetId, JSON.stringify(externalIds)),
    responses: (promptIds: readonly number[]) =>
      sqlite
        .prepare<[string], { prompt_id: number; id: number; external_id: string; text: string }>(
          "select prompt_id, id, external_id, text from responses where prompt_id in (select value from json_each(?)) order by prompt_id, position",
        )
        .all(JSON.stringify(promptIds)),
    usersByEmail: (emails: readonly string[]) =>
      sqlite
        .prepare<[string], { id: number; email: string }>(
          "select id, email from users where email in (select value from json_each(?))",
        )
        .all(JSON.stringify(emails)),
    register: (
      stagingDatasetId: number,
      targetDatasetId: number | null,
      targetSlug: string,
      ownerPid: number,
      now: number,
    ) => {
      sqlite
        .prepare(
          `insert into dataset_imports (staging_dataset_id, target_dataset_id, target_slug, owner_pid, heartbeat_at, created_annotator_ids)
           values (?, ?, ?, ?, ?, '[]')`,
        )
        .run(stagingDatasetId, targetDatasetId, targetSlug, ownerPid, now);
    },
    renewStaging: (stagingDatasetId: number, now: number) =>
      sqlite
        .prepare("update dataset_imports set heartbeat_at = ? where staging_dataset_id = ? and state = 'staging'")
        .run(now, stagingDatasetId).changes > 0,
    renewLanding: (stagingDatasetId: number, now: number, ownerPid: number) =>
      sqlite
        .prepare(
          "update dataset_imports set heartbeat_at = ?, owner_pid = ? where staging_dataset_id = ? and state = 'landing'",
        )
        .run(now, ownerPid, stagingDatasetId).changes > 0,
    renewAny: (stagingDatasetId: number, now: number) => {
      sqlite
        .prepare("update dataset_imports set heartbeat_at = ? where staging_dataset_id = ?")
        .run(now, stagingDatasetId);
    },
    setCreatedAnnotators: (stagingDatasetId: number, userIds: readonly number[]) => {
      sqlite
        .prepare("update dataset_imports set created_annotator_ids = ? where staging_dataset_id = ?")
        .run(JSON.stringify(userIds), stagingDatasetId);
    },
    createdAnnotators: (stagingDatasetId: number) =>
      sqlite
        .prepare<[number], { created_annotator_ids: string }>(
          "select created_annotator_ids from dataset_imports where staging_dataset_id = ?",
        )
        .get(stagingDatasetId)?.created_annotator_ids ?? null,
    stageAnnotations: (stagingDatasetId: number, annotations: readonly StagedAnnotation[]) => {
      const insert = sqlite.prepare(
        "insert into staged_annotations (staging_dataset_id, prompt_id, annotator_id, version) values (?, ?, ?, ?)",
      );
      for (const a of annotations) insert.run(stagingDatasetId, a.promptId, a.annotatorId, a.version);
    },
    slugTaken: (slug: string) => sqlite.prepare("select 1 from datasets where slug = ?").get(slug) !== undefined,
    datasetExists: (datasetId: number) =>
      sqlite.prepare("select 1 from datasets where id = ?").pluck().get(datasetId) !== undefined,
    visibleSlug: (datasetId: number) =>
      sqlite
        .prepare<[number], { slug: string }>("select slug from datasets where id = ? and import_staging = 0")
        .get(datasetId)?.slug ?? null,
    landingClashes: (targetDatasetId: number, stagingDatasetId: number) =>
      sqlite
        .prepare<[{ target: number; staging: number }], { external_id: string }>(
          `select s.external_id from prompts s join prompts t on t.external_id = s.external_id
           and (t.dataset_id = @target or t.dataset_id in (select staging_dataset_id from dataset_imports
             where target_dataset_id = @target and state = 'landing' and staging_dataset_id != @staging))
         where s.dataset_id = @staging order by s.id limit 5`,
        )
        .all({ target: targetDatasetId, staging: stagingDatasetId })
        .map((r) => r.external_id),
    publish: (stagingDatasetId: number, slug: string) => {
      publishStagingDataset(db, stagingDatasetId, slug);
      sqlite.prepare("delete from dataset_imports where staging_dataset_id = ?").run(stagingDatasetId);
    },
    setState: (stagingDatasetId: number, state: ImportState) => {
      sqlite
        .prepare(`update dataset_imports set state = '${state}' where staging_dataset_id = ?`)
        .run(stagingDatasetId);
    },
    claim: (stagingDatasetId: number, ownerPid: number, now: number) =>
      sqlite
        .prepare<[number, number, number], { state: ImportState }>(
          `update dataset_imports set state = case state when 'landing' then 'landing' else 'discarding' end,
         owner_pid = ?, heartbeat_at = ? where staging_dataset_id = ? returning state`,
        )
        .get(ownerPid, now, stagingDatasetId)?.state ?? null,
    stagings: () =>
      sqlite
        .prepare<[], StagingRow>(
          `select d.id, i.owner_pid, i.heartbeat_at, i.target_dataset_id from datasets d
           left join dataset_imports i on i.staging_dataset_id = d.id where d.import_staging = 1 order by d.id`,
        )
        .all(),
    movePrompts: (stagingDatasetId: number, targetDatasetId: number, limit: number) =>
      moveStagedPrompts(db, stagingDatasetId, targetDatasetId, limit),
    stagedAnnotations: (stagingDatasetId: number, limit: number) =>
      sqlite
        .prepare<[number, number], StagedAnnotationRow>(
          "select id, prompt_id, annotator_id, version from staged_annotations where staging_dataset_id = ? order by id limit ?",
        )
        .all(stagingDatasetId, limit),
    deleteStagedAnnotations: (ids: readonly number[]) => {
      sqlite
        .prepare("delete from staged_annotations where id in (select value from json_each(?))")
        .run(JSON.stringify(ids));
    },
    deletePrompts: (datasetId: number, limit: number) => deleteSomePrompts(db, datasetId, limit),
    deleteDataset: (datasetId: number) => deleteDataset(db, datasetId),
    removeUnusedExternalUser: (userId: number) => {
      sqlite
        .prepare(
          `delete from users where id = ? and external = 1
         and not exists (select 1 from annotations where annotator_id = users.id)
         and not exists (select 1 from staged_annotations where annotator_id = users.id)`,
        )
        .run(userId);
    },
  } satisfies Synchronous<ImportStore>;
}
