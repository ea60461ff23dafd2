import { eq } from "drizzle-orm";
import { schema, type Db } from "@/db";
import type { RankingGroups, Role } from "@/db/schema";
import { hashPassword } from "@/lib/auth/password";
import { DEMO_GUIDELINES, DEMO_PROMPTS, type DemoPrompt } from "@/lib/demo/demo-data";
import { insertDataset, insertPrompt, writeAnnotation } from "@/lib/datasets/writer";
import { OPENNESS_SCALE } from "@/lib/openness/scale";
import { hashString, normal, seededRandom, shuffled } from "@/lib/random";

export const DEMO_DATASET_SLUG = "demo";

/** Listed in the README; change them with the admin page or `npm run cli -- user add`. */
export const DEMO_ACCOUNTS: { email: string; name: string; role: Role; password: string }[] = [
  { email: "admin@octorank.dev", name: "Ada Admin", role: "admin", password: "demo-admin" },
  { email: "researcher@octorank.dev", name: "Rosa Researcher", role: "researcher", password: "demo-researcher" },
  { email: "annotator@octorank.dev", name: "Andy Annotator", role: "annotator", password: "demo-annotator" },
  { email: "mina@octorank.dev", name: "Mina Okafor", role: "annotator", password: "demo-annotator" },
  { email: "tomas@octorank.dev", name: "Tomás Reyes", role: "annotator", password: "demo-annotator" },
  { email: "priya@octorank.dev", name: "Priya Natarajan", role: "annotator", password: "demo-annotator" },
];

/**
 * The demo annotators who have already worked: how noisy their rankings are (in ranks), how far
 * their openness tags wander, how often they click through without reading (a random order), and how
 * much of the dataset they did. Tomás is the hasty one, so the agreement view has somebody to flag.
 */
const DEMO_WORK = [
  {
    email: "mina@octorank.dev",
    rankNoise: 0.7,
    opennessNoise: 0.12,
    clickThrough: 0,
    share: 0.9,
    secondsPerPrompt: 95,
  },
  {
    email: "tomas@octorank.dev",
    rankNoise: 1.5,
    opennessNoise: 0.3,
    clickThrough: 0.8,
    share: 0.8,
    secondsPerPrompt: 24,
  },
  {
    email: "priya@octorank.dev",
    rankNoise: 0.9,
    opennessNoise: 0.15,
    clickThrough: 0,
    share: 0.5,
    secondsPerPrompt: 120,
  },
];

function nearestOnScale(value: number): number {
  return OPENNESS_SCALE.reduce<number>((best, v) => (Math.abs(v - value) < Math.abs(best - value) ? v : best), 0);
}

/**
 * One simulated annotator's ranking: the true order perturbed by their noise; responses the data
 * marks as about equally good are sometimes tied.
 */
function simulatedRanking(
  prompt: DemoPrompt,
  responseIds: number[],
  noise: number,
  random: () => number,
): RankingGroups {
  const scored = responseIds.map((id, trueRank) => ({ id, trueRank, score: trueRank + noise * normal(random) }));
  scored.sort((a, b) => a.score - b.score);
  const groups: RankingGroups = [];
  for (const item of scored) {
    const last = groups.at(-1);
    const previous = last && scored.find((s) => s.id === last.at(-1));
    const tieable =
      previous !== undefined &&
      Math.abs(previous.trueRank - item.trueRank) === 1 &&
      (prompt.tiesAfter ?? []).includes(Math.min(previous.trueRank, item.trueRank));
    if (last && tieable && random() < 0.6) last.push(item.id);
    else groups.push([item.id]);
  }
  return groups;
}

function ensureDemoUsers(db: Db): Map<string, number> {
  const ids = new Map<string, number>();
  for (const account of DEMO_ACCOUNTS) {
    const existing = db.select().from(schema.users).where(eq(schema.users.email, account.email)).get();
    const id =
      existing?.id ??
      db
        .insert(schema.users)
        .values({
          email: account.email,
          name: account.name,
          role: account.role,
          passwordHash: hashPassword(account.password),
        })
        .returning({ id: schema.users.id })
        .get().id;
    ids.set(account.email, id);
  }
  return ids;
}

/**
 * Seeds the demo once: accounts, the demo dataset, and the demo annotators' earlier work.
 * Running it again changes nothing.
 */
export function seedDemo(db: Db): { created: boolean } {
  return db.transaction((tx) => {
    const existing = tx.select().from(schema.datasets).where(eq(schema.datasets.slug, DEMO_DATASET_SLUG)).get();
    const userIds = ensureDemoUsers(tx as unknown as Db);
    if (existing) return { created: false };

    // better-sqlite3 is synchronous: writes through `db` inside the callback are in the transaction.
    const writer = db;
    const dataset = insertDataset(writer, {
      slug: DEMO_DATASET_SLUG,
      name: "Assistant responses (demo)",
      guidelines: DEMO_GUIDELINES,
      responsesPerPrompt: 8,
      annotationsPerPrompt: 3,
    });

    const random = seededRandom(20240527);
    const now = Date.now();
    DEMO_PROMPTS.forEach((demo, promptIndex) => {
      // Stored positions are shuffled so that position never gives the quality order away.
      const order = shuffled(
        demo.responses.map((_, i) => i),
        seededRandom(hashString(demo.externalId)),
      );
      const externalId = (trueRank: number) => `${demo.externalId}-${String.fromCharCode(97 + trueRank)}`;
      const { promptId, responseIds } = insertPrompt(writer, dataset.id, {
        externalId: demo.externalId,
        text: demo.text,
        metadata: { source: "demo" },
        responses: order.map((trueRank) => ({ externalId: externalId(trueRank), text: demo.responses[trueRank]! })),
      });
      const idsByTrueRank = demo.responses.map((_, trueRank) => responseIds.get(externalId(trueRank))!);

      for (const worker of DEMO_WORK) {
        if (random() > worker.share) continue;
        const noise = random() < worker.clickThrough ? 100 : worker.rankNoise;
        const ranking = simulatedRanking(demo, idsByTrueRank, noise, random);
        const openness = nearestOnScale(
          Math.min(1, Math.max(0, demo.openness + worker.opennessNoise * normal(random))),
        );
        const at = new Date(now - (DEMO_PROMPTS.length - promptIndex) * 3_600_000 - Math.floor(random() * 600_000));
        writeAnnotation(writer, promptId, userIds.get(worker.email)!, {
          ranking,
          openness,
          notRankable: false,
          durationMs: Math.round(worker.secondsPerPrompt * 1000 * (0.6 + random() * 0.8)),
          createdAt: at,
          updatedAt: at,
        });
      }
    });
    return { created: true };
  });
}
