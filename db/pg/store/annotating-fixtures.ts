/**
 * What the queue, annotations and quality stores' tests share: one small world of annotators,
 * datasets, prompts and responses seeded the same on either backend (db/pg/test-database.ts's Side).
 */
import type { AnnotationVersion } from "@/db/store/writer";
import type { TestDatabase } from "../test-database";

/** An instant all the tests read the queue at. */
export const NOW = Date.UTC(2026, 5, 1, 12);
export const MINUTE = 60_000;

export type Seeded = Awaited<ReturnType<typeof seedAnnotating>>;

/**
 * Four annotators; "demo" (k = 2, fill order) with six prompts of two responses each, "other"
 * (k = 1, uncertain-openness) with three prompts, one NULL priority, and a synthetic and a staged
 * dataset, one prompt each. Responses go in last position first, so that an order by position and
 * one by id differ.
 */
export async function seedAnnotating(database: TestDatabase) {
  const { side } = database;
  const [alice, bob, carol, dave] = await side.insert(
    "users",
    ["alice", "bob", "carol", "dave"].map((name) => ({
      email: `${name}@test.local`,
      name: name === "alice" ? "Alice Ünal" : name,
      role: "annotator" as const,
      passwordHash: "x",
    })),
  );
  const [demo, other, synth, staged] = await side.insert("datasets", [
    { slug: "demo", name: "Démo ✓", guidelines: "Rank best first.", annotationsPerPrompt: 2, queueOrder: "fill" },
    { slug: "other", name: "Other", annotationsPerPrompt: 1, queueOrder: "uncertain-openness" },
    { slug: "synth", name: "Synthetic", synthetic: true },
    { slug: "staged", name: "Staged", importStaging: true },
  ]);
  const prompt = async (datasetId: number, externalId: string, extra: { queuePriority?: number | null } = {}) => {
    const [id] = await side.insert("prompts", [
      { datasetId, externalId, text: `Prompt ${externalId} — ünïcode 👍`, ...extra },
    ]);
    const responses = await side.insert("responses", [
      { promptId: id!, position: 1, externalId: `${externalId}-b`, text: "Second 👍" },
      { promptId: id!, position: 0, externalId: `${externalId}-a`, text: "First é" },
    ]);
    return { id: id!, responses: responses.reverse() };
  };
  const demoPrompts = [];
  for (let i = 1; i <= 6; i++) demoPrompts.push(await prompt(demo!, `d${i}`));
  const otherPrompts = [
    await prompt(other!, "o1", { queuePriority: 0.5 }),
    await prompt(other!, "o2", { queuePriority: null }),
    await prompt(other!, "o3", { queuePriority: 0.1 }),
  ];
  return {
    users: { alice: alice!, bob: bob!, carol: carol!, dave: dave! },
    datasets: { demo: demo!, other: other!, synth: synth!, staged: staged! },
    demo: demoPrompts,
    other: otherPrompts,
    synth: await prompt(synth!, "s1"),
    staged: await prompt(staged!, "x1"),
  };
}

/** A ranking of a seeded prompt's two responses, first position best. */
export function rankingOf(
  prompt: { responses: number[] },
  overrides: Partial<AnnotationVersion> = {},
): AnnotationVersion {
  return {
    ranking: prompt.responses.map((id) => [id]),
    openness: 0.5,
    notRankable: false,
    durationMs: 12_000,
    ...overrides,
  };
}
