import type { Db } from "../index";
import type { Synchronous } from "./transaction";
import { ensureExternalAnnotator, insertDataset, insertPrompt, type NewDataset, type NewPrompt } from "./writer";

export type DatasetRow = ReturnType<typeof insertDataset>;

/** Datasets, their prompts and responses: what lib/datasets/ (and the seed and repro) read and write. */
export interface DatasetStore {
  /** The writer's insertDataset (db/store/writer.ts). */
  insertDataset(dataset: NewDataset): Promise<DatasetRow>;
  /** The writer's insertPrompt: the prompt's id and each response's id by external id. */
  insertPrompt(datasetId: number, prompt: NewPrompt): Promise<{ promptId: number; responseIds: Map<string, number> }>;
  /** The account of an external annotator (named in imported or generated data), found by name or created. */
  ensureExternalAnnotator(name: string): Promise<{ id: number; created: boolean }>;
}

export function sqliteDatasetStore(db: Db) {
  return {
    insertDataset: (dataset: NewDataset) => insertDataset(db, dataset),
    insertPrompt: (datasetId: number, prompt: NewPrompt) => insertPrompt(db, datasetId, prompt),
    ensureExternalAnnotator: (name: string) => ensureExternalAnnotator(db, name),
  } satisfies Synchronous<DatasetStore>;
}
