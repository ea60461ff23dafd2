import "server-only";
import { z } from "zod";
import { numeric } from "@/lib/validation";
import { EXTERNAL_EMAIL_DOMAIN, type Store } from "@/db/store";
import type { ExportAnnotationRow } from "@/db/store/datasets";
import { bordaConsensus, rankingsW } from "@/lib/annotations/agreement";
import { AppError } from "@/lib/errors";
import { promptOpenness } from "@/lib/openness/resolve";
import { midranks } from "@/lib/annotations/agreement";
import { DEFAULT_HELD_OUT_SHARE, DEFAULT_SPLIT_SEED, promptSplit } from "@/lib/runs/held-out";
import {
  parseStoredMessages,
  plainTextPrompt,
  promptColumn,
  promptMessages,
  type ChatMessage,
} from "@/lib/datasets/conversation";

/**
 * JSONL exports, produced as a generator of lines so that callers (HTTP stream, CLI, benchmark)
 * hold one batch of prompts in memory at a time whatever the dataset's size. Prompts are read in
 * keyset pages, so no statement stays open on the shared connection between two lines.
 */

export const EXPORT_FORMATS = ["annotations", "consensus", "pairs", "pairs-text"] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

const flag = z
  .union([z.boolean(), z.enum(["1", "0", "true", "false", "yes", "no", ""])])
  .transform((v) => v === true || v === "1" || v === "true" || v === "yes");

export const exportOptionsSchema = z
  .object({
    format: z.enum(EXPORT_FORMATS, { message: `format must be one of ${EXPORT_FORMATS.join(", ")}.` }),
    /** Keep prompts with at least this many (rankable) annotations. */
    min_annotators: numeric(
      z
        .number({ message: "min_annotators is a whole number." })
        .int()
        .min(0, "min_annotators must be 0 or more.")
        .default(0),
    ),
    /** Keep prompts whose Kendall's W is at least this; prompts where W is undefined are dropped. */
    min_agreement: numeric(
      z
        .number({ message: "min_agreement is a Kendall's W between 0 and 1." })
        .min(0, "min_agreement is a Kendall's W between 0 and 1.")
        .max(1, "min_agreement is a Kendall's W between 0 and 1.")
        .optional(),
    ),
    skip_not_rankable: flag.default(false),
    /** Keep only annotations a reviewer accepted (in their current version). */
    accepted_only: flag.default(false),
    /** Include the gold (check) prompts and the annotators' answers to them; left out by default. */
    include_gold: flag.default(false),
    /** A training run of this dataset whose rewards are added to each response. */
    run: numeric(
      z.number({ message: "run is a training run id." }).int().positive("run is a training run id.").optional(),
    ),
    /** Pairs: each line's `margin`, the two responses' rank distance in the ranking over (responses − 1). */
    margin: flag.default(false),
    /** Pairs: one line per distinct ordered pair of a prompt, `weight` = how many annotators ordered it so. */
    weight: flag.default(false),
    /** The split column's seed and held-out share: those of the run to compare with (a run's defaults otherwise). */
    split_seed: numeric(
      z
        .number({ message: "split_seed is a whole number." })
        .int("split_seed is a whole number.")
        .min(0, "split_seed is 0 or more.")
        .default(DEFAULT_SPLIT_SEED),
    ),
    held_out_share: numeric(
      z
        .number({ message: "held_out_share is a number between 0 and 1." })
        .min(0, "held_out_share is a number between 0 and 1.")
        .max(1, "held_out_share is a number between 0 and 1.")
        .default(DEFAULT_HELD_OUT_SHARE),
    ),
    gzip: flag.default(false),
  })
  .refine((o) => o.format.startsWith("pairs") || (!o.margin && !o.weight), {
    message: "margin and weight apply to the pairs formats only.",
    path: ["format"],
  });
export type ExportOptions = z.infer<typeof exportOptionsSchema>;

const PAGE_SIZE = 200;

type AnnotationRow = ExportAnnotationRow;

export class ExportError extends AppError {
  constructor(message: string) {
    super("invalid", message);
  }
}

/** How an annotator is named in files: the email of a user, the original string for an external one. */
function annotatorKey(row: Pick<AnnotationRow, "email" | "name" | "external">): string {
  return row.external && row.email.endsWith(`@${EXTERNAL_EMAIL_DOMAIN}`) ? row.name : row.email;
}

export function exportFileName(slug: string, options: Pick<ExportOptions, "format" | "gzip" | "run">): string {
  return `${slug}-${options.format}${options.run ? `-run${options.run}` : ""}.jsonl${options.gzip ? ".gz" : ""}`;
}

/** Checks the options against the dataset (e.g. that the run belongs to it) before any line is sent. */
export async function checkExport(store: Store, datasetId: number, options: ExportOptions): Promise<void> {
  if (options.run === undefined) return;
  if ((await store.datasets.runDatasetId(options.run)) !== datasetId)
    throw new ExportError(`Run ${options.run} is not a training run of this dataset.`);
}

export async function* exportLines(store: Store, datasetId: number, options: ExportOptions): AsyncGenerator<string> {
  for await (const page of exportPages(store, datasetId, options)) yield* page;
}

/**
 * The export one page of prompts at a time (a page's lines, often none when filters drop its
 * prompts), so that a consumer can let other work run between pages: a filter that drops 100,000
 * prompts in a row would otherwise be one long call.
 */
export async function* exportPages(store: Store, datasetId: number, options: ExportOptions): AsyncGenerator<string[]> {
  await checkExport(store, datasetId, options);
  let after = 0;
  for (;;) {
    const { prompts, ...rows } = await store.datasets.exportPage(datasetId, after, PAGE_SIZE, options.run ?? null);
    if (!prompts.length) return;
    after = prompts.at(-1)!.id;
    const responsesByPrompt = groupBy(rows.responses, (r) => r.prompt_id);
    const annotationsByPrompt = groupBy(rows.annotations, (a) => a.prompt_id);
    const rewards = new Map(rows.rewards.map((row) => [row.response_id, row.reward]));

    const page: string[] = [];
    for (const prompt of prompts) {
      // Gold prompts are checks of the annotators, not data: their answers would count the checks twice.
      if (prompt.gold !== null && !options.include_gold) continue;
      const responses = responsesByPrompt.get(prompt.id) ?? [];
      const externalIdOf = new Map(responses.map((r) => [r.id, r.external_id]));
      let annotations = annotationsByPrompt.get(prompt.id) ?? [];
      if (options.skip_not_rankable) annotations = annotations.filter((a) => !a.not_rankable);
      if (options.accepted_only) annotations = annotations.filter((a) => a.accepted);
      const rankable = annotations.filter((a) => !a.not_rankable);
      const rankings = rankable.map((a) => JSON.parse(a.ranking) as number[][]);
      const openness = promptOpenness(
        prompt.openness,
        rankable.map((a, i) => ({ openness: a.openness, notRankable: false, ranking: rankings[i]! })),
      );
      if (rankable.length < options.min_annotators) continue;
      const w = rankingsW(rankings);
      if (options.min_agreement !== undefined && (w === null || w < options.min_agreement)) continue;
      const reward = (id: number) => (options.run === undefined ? {} : { reward: rewards.get(id) ?? null });
      const split = promptSplit(prompt.external_id, { seed: options.split_seed, heldOutShare: options.held_out_share });
      const textOf = new Map(responses.map((r) => [r.id, r.text]));
      const storedMessages = parseStoredMessages(prompt.messages);

      if (options.format === "annotations") {
        // Each line is itself a valid import line, so an export re-imports without loss.
        const head = {
          id: prompt.external_id,
          prompt: promptColumn(prompt.text, storedMessages),
          responses: responses.map((r) => ({
            id: r.external_id,
            text: r.text,
            ...(r.embedding ? { embedding: JSON.parse(r.embedding) as number[] } : {}),
            ...reward(r.id),
          })),
          openness: prompt.openness,
          metadata: prompt.metadata ? (JSON.parse(prompt.metadata) as Record<string, unknown>) : null,
        };
        // A prompt nobody has ranked still gets a line, so the file re-imports the whole dataset.
        if (!annotations.length) page.push(JSON.stringify({ ...head, annotations: [] }));
        for (const a of annotations) {
          const ranking = (JSON.parse(a.ranking) as number[][]).map((g) => g.map((id) => externalIdOf.get(id)!));
          page.push(
            JSON.stringify({
              ...head,
              annotations: [
                {
                  annotator: annotatorKey(a),
                  ranking,
                  openness: a.openness,
                  not_rankable: Boolean(a.not_rankable),
                  not_rankable_reason: a.not_rankable_reason,
                  comment: a.comment,
                  duration_ms: a.duration_ms,
                  // Whether the board started from a model's order (docs/quality.md); not read back by an import.
                  suggestion:
                    a.suggestion_run_id === null
                      ? null
                      : { run_id: a.suggestion_run_id, distance: a.suggestion_distance },
                  created_at: new Date(a.created_at).toISOString(),
                  updated_at: new Date(a.updated_at).toISOString(),
                },
              ],
            }),
          );
        }
      } else if (options.format === "consensus") {
        if (!rankings.length) continue;
        const { groups, meanRank } = bordaConsensus(rankings);
        page.push(
          JSON.stringify({
            prompt_id: prompt.external_id,
            prompt: promptColumn(prompt.text, storedMessages),
            responses: responses.map((r) => ({
              id: r.external_id,
              text: r.text,
              mean_rank: meanRank.get(r.id) ?? null,
              ...reward(r.id),
            })),
            consensus: groups.map((g) => g.map((id) => externalIdOf.get(id)!)),
            openness: openness.value,
            openness_source: openness.source,
            dataset_openness: prompt.openness,
            annotators: rankable.length,
            kendall_w: w,
            split,
          }),
        );
      } else {
        const messages = promptMessages(prompt.text, storedMessages);
        const pairs = rankingPairs(rankable, responses.length, options.weight);
        const promptColumn = options.format === "pairs" ? messages : plainTextPrompt(messages);
        const answer = (id: number): ChatMessage[] | string => {
          const text = textOf.get(id)!;
          return options.format === "pairs" ? [{ role: "assistant", content: text }] : text;
        };
        for (const pair of pairs) {
          page.push(
            JSON.stringify({
              prompt: promptColumn,
              chosen: answer(pair.chosen),
              rejected: answer(pair.rejected),
              openness: openness.value,
              prompt_id: prompt.external_id,
              chosen_id: externalIdOf.get(pair.chosen),
              rejected_id: externalIdOf.get(pair.rejected),
              annotator: pair.annotators.join(", "),
              split,
              ...(options.margin ? { margin: pair.margin } : {}),
              ...(options.weight ? { weight: pair.annotators.length } : {}),
              ...(options.run === undefined
                ? {}
                : {
                    chosen_reward: rewards.get(pair.chosen) ?? null,
                    rejected_reward: rewards.get(pair.rejected) ?? null,
                  }),
            }),
          );
        }
      }
    }
    yield page;
  }
}

type RankedPair = { chosen: number; rejected: number; annotators: string[]; margin: number };

/**
 * The ordered (better, worse) pairs of a prompt's rankings: tied responses give none. Each
 * annotation's own pairs, or with `merge` one pair per distinct order with every annotator who
 * gave it and their mean margin. The margin is the rank distance (midranks, so ties count half)
 * over responses − 1, so it lies in (0, 1] whatever the response count.
 */
function rankingPairs(annotations: readonly AnnotationRow[], responseCount: number, merge: boolean): RankedPair[] {
  const pairs: RankedPair[] = [];
  const merged = new Map<string, RankedPair & { marginSum: number }>();
  const span = Math.max(1, responseCount - 1);
  for (const a of annotations) {
    const groups = JSON.parse(a.ranking) as number[][];
    const rank = midranks(groups);
    const annotator = annotatorKey(a);
    for (let i = 0; i < groups.length; i++) {
      for (let j = i + 1; j < groups.length; j++) {
        for (const chosen of groups[i]!) {
          for (const rejected of groups[j]!) {
            const margin = (rank.get(rejected)! - rank.get(chosen)!) / span;
            if (!merge) {
              pairs.push({ chosen, rejected, annotators: [annotator], margin });
              continue;
            }
            const key = `${chosen}>${rejected}`;
            const seen = merged.get(key);
            if (seen) {
              seen.annotators.push(annotator);
              seen.marginSum += margin;
            } else merged.set(key, { chosen, rejected, annotators: [annotator], margin, marginSum: margin });
          }
        }
      }
    }
  }
  if (!merge) return pairs;
  return [...merged.values()].map(({ marginSum, ...pair }) => ({
    ...pair,
    margin: marginSum / pair.annotators.length,
  }));
}

function groupBy<T, K>(rows: T[], key: (row: T) => K): Map<K, T[]> {
  const out = new Map<K, T[]>();
  for (const row of rows) {
    const k = key(row);
    const list = out.get(k);
    if (list) list.push(row);
    else out.set(k, [row]);
  }
  return out;
}

/** How long one pull of the stream may run before other requests get the event loop. */
const STREAM_SLICE_MS = 20;
const STREAM_CHUNK_CHARS = 64 * 1024;

/**
 * A web stream of the export (newline-terminated lines, optionally gzipped) that pulls pages only
 * as fast as the client reads: memory stays constant for any size. A pull stops after a chunk or
 * after STREAM_SLICE_MS, and pages that give no line yield the event loop in between.
 */
/**
 * The export's pages from its first line on, or null when no prompt gives a line (the filters drop
 * everything): an empty file downloaded without a word says nothing, so the route refuses it.
 * Pages that give no line are skipped with a turn of the event loop every STREAM_SLICE_MS, as the
 * stream does.
 */
export async function fromFirstLine(pages: AsyncIterator<string[]>): Promise<AsyncIterator<string[]> | null> {
  let started = performance.now();
  for (;;) {
    const next = await pages.next();
    if (next.done) return null;
    if (next.value.length) {
      let first: string[] | null = next.value;
      return {
        next: async () => {
          if (!first) return pages.next();
          const value = first;
          first = null;
          return { done: false, value };
        },
        return: async (value?: unknown) => pages.return?.(value) ?? { done: true, value: undefined },
      };
    }
    if (performance.now() - started >= STREAM_SLICE_MS) {
      await new Promise((resolve) => setImmediate(resolve));
      started = performance.now();
    }
  }
}

export function exportStream(pages: AsyncIterator<string[]>, gzip: boolean): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  let lastYield = performance.now();
  // A reader that asks again at once (a fast socket) would chain pulls as microtasks and keep the
  // loop to itself: after every slice the next pull waits for a turn of the event loop first.
  const yieldIfDue = async () => {
    if (performance.now() - lastYield < STREAM_SLICE_MS) return;
    await new Promise((resolve) => setImmediate(resolve));
    lastYield = performance.now();
  };
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      await yieldIfDue();
      let chunk = "";
      for (;;) {
        const next = await pages.next();
        if (next.done) {
          if (chunk) controller.enqueue(encoder.encode(chunk));
          controller.close();
          return;
        }
        for (const line of next.value) chunk += line + "\n";
        const due = performance.now() - lastYield >= STREAM_SLICE_MS;
        if (chunk && (chunk.length >= STREAM_CHUNK_CHARS || due)) {
          controller.enqueue(encoder.encode(chunk));
          return;
        }
        // Pages that gave no line: let other work run before the next ones.
        if (due) await yieldIfDue();
      }
    },
    async cancel() {
      await pages.return?.(undefined);
    },
  });
  return gzip
    ? body.pipeThrough(new CompressionStream("gzip") as unknown as TransformStream<Uint8Array, Uint8Array>)
    : body;
}
