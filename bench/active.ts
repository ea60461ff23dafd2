/**
 * `npm run bench -- active [--prompts 120] [--test-prompts 60] [--per-prompt 3] [--annotators 12]
 *   [--every 24] [--train-every 24] [--steps 300] [--target-mae 0.1] [--target-accuracy 0.88]
 *   [--orders least-annotated,uncertain-openness,uncertain-rewards] [--seed 1] [--json]`
 *
 * Simulated annotators (ml/simulation/synthetic-annotations.ts) label a pool of synthetic prompts one
 * annotation at a time, in each queue order of ml/openness/active.ts, up to `per-prompt` annotations per
 * prompt. Every `every` annotations the text openness model is refitted and each pool prompt's
 * openness estimate (model combined with its tags) is scored against the true openness (MAE);
 * every `train-every` annotations a reward model is trained on the annotated prompts and its pair
 * accuracy measured on held-out prompts against their true order (pairs whose qualities differ by
 * at least 0.05), and its rewards on the pool give the `uncertain-rewards` order its margins.
 * Prints, side by side, how many annotations each order needed to reach the target MAE and the
 * target accuracy.
 */
import { parseArgs } from "node:util";
import {
  ACTIVE_QUEUE_ORDERS,
  type ActiveQueueOrder,
  isActiveQueueOrder,
  orderQueue,
  rewardMargin,
  initBackend,
  type AnnotatedPrompt,
  meanTag,
  tagSpread,
  tagsOf,
  withTags,
  fitTextOpennessOn,
  mulberry32,
  loadRewardModel,
  type SimulatedPrompt,
  simulateAnnotation,
  simulatedAnnotators,
  syntheticOpennessPrompts,
  trainRewardModel,
  type TrainingPrompt,
} from "@/ml";

interface Checkpoint {
  annotations: number;
  opennessMae: number;
  accuracy?: number;
}

interface OrderResult {
  order: ActiveQueueOrder;
  checkpoints: Checkpoint[];
  annotationsToMae: number | null;
  annotationsToAccuracy: number | null;
  finalMae: number;
  finalAccuracy: number | null;
  seconds: number;
}

const QUALITY_MARGIN = 0.05;

function heldOutAccuracy(test: readonly SimulatedPrompt[], score: (p: SimulatedPrompt) => number[]): number {
  let right = 0;
  let total = 0;
  for (const p of test) {
    const r = score(p);
    const q = p.responses.map((x) => p.quality.get(x.id) as number);
    for (let i = 0; i < q.length; i++)
      for (let j = 0; j < q.length; j++) {
        if ((q[i] as number) - (q[j] as number) < QUALITY_MARGIN) continue;
        total++;
        const d = (r[i] as number) - (r[j] as number);
        right += d > 0 ? 1 : d === 0 ? 0.5 : 0;
      }
  }
  return total ? right / total : NaN;
}

export async function run(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      prompts: { type: "string", default: "120" },
      "test-prompts": { type: "string", default: "60" },
      "per-prompt": { type: "string", default: "3" },
      annotators: { type: "string", default: "12" },
      every: { type: "string", default: "24" },
      "train-every": { type: "string", default: "24" },
      steps: { type: "string", default: "300" },
      "target-mae": { type: "string", default: "0.1" },
      "target-accuracy": { type: "string", default: "0.88" },
      orders: { type: "string", default: ACTIVE_QUEUE_ORDERS.join(",") },
      seed: { type: "string", default: "1" },
      json: { type: "boolean", default: false },
      help: { type: "boolean", default: false },
    },
    strict: true,
  });
  if (values.help) {
    console.log(
      "Usage: npm run bench -- active [--prompts 120] [--test-prompts 60] [--per-prompt 3] [--annotators 12] [--every 24] [--train-every 24] [--steps 300] [--target-mae 0.1] [--target-accuracy 0.88] [--orders a,b,c] [--seed 1] [--json]",
    );
    return;
  }
  const int = (name: keyof typeof values, min: number) => {
    const x = Number(values[name]);
    if (!Number.isInteger(x) || x < min) throw new Error(`--${name} must be an integer >= ${min}`);
    return x;
  };
  const nPrompts = int("prompts", 8);
  const nTest = int("test-prompts", 4);
  const perPrompt = int("per-prompt", 1);
  const every = int("every", 1);
  const trainEvery = int("train-every", 1);
  const steps = int("steps", 1);
  const seed = int("seed", 0);
  const nAnnotators = int("annotators", perPrompt);
  const targetMae = Number(values["target-mae"]);
  const targetAccuracy = Number(values["target-accuracy"]);
  const orders = String(values.orders).split(",");
  for (const o of orders)
    if (!isActiveQueueOrder(o)) throw new Error(`unknown order ${o}; one of ${ACTIVE_QUEUE_ORDERS.join(", ")}`);

  await initBackend("wasm");
  const pool = syntheticOpennessPrompts({ prompts: nPrompts, seed, prefix: "q" });
  const test = syntheticOpennessPrompts({ prompts: nTest, seed: seed + 1000, prefix: "t" });
  const annotators = simulatedAnnotators(nAnnotators, seed);
  const testTraining: TrainingPrompt[] = test.map((p) => ({
    id: p.id,
    text: p.text,
    openness: p.openness,
    responses: p.responses,
    rankings: [[...p.responses].sort((a, b) => p.quality.get(b.id)! - p.quality.get(a.id)!).map((x) => [x.id])],
  }));
  const budget = nPrompts * perPrompt;

  const results: OrderResult[] = [];
  for (const order of orders as ActiveQueueOrder[]) {
    const t0 = performance.now();
    const rng = mulberry32(seed ^ 0x9e3779b1);
    const state: AnnotatedPrompt[] = pool.map((p) => ({
      id: p.id,
      text: p.text,
      responseIds: p.responses.map((x) => x.id),
      annotations: [],
    }));
    const byId = new Map(pool.map((p) => [p.id, p]));
    let opennessSd = new Map<string, number>();
    let estimateOf = new Map<string, number>();
    let margins = new Map<string, number>();
    const checkpoints: Checkpoint[] = [];

    const refreshOpenness = () => {
      const tagged = state.filter((p) => tagsOf(p).length > 0);
      const tagSd = Math.max(0.05, tagSpread(state) ?? 0.2);
      if (tagged.length < 4) {
        // Too few tags for a model: every untagged prompt is equally unknown (sd of the scale).
        for (const p of state) {
          const e = withTags({ estimate: 0.5, sd: 0.35 }, tagsOf(p), tagSd);
          opennessSd.set(p.id, e.sd);
          estimateOf.set(p.id, e.estimate);
        }
        return;
      }
      const model = fitTextOpennessOn(tagged);
      opennessSd = new Map();
      estimateOf = new Map();
      for (const p of state) {
        const e = withTags(model.estimate(p), tagsOf(p), tagSd);
        opennessSd.set(p.id, e.sd);
        estimateOf.set(p.id, e.estimate);
      }
    };
    const opennessMae = () =>
      pool.reduce((a, p) => a + Math.abs((estimateOf.get(p.id) as number) - p.openness), 0) / pool.length;

    const train = async (): Promise<number> => {
      const annotated = state.filter((p) => p.annotations.length > 0);
      const prompts: TrainingPrompt[] = annotated.map((p) => ({
        id: p.id,
        text: p.text,
        openness: estimateOf.get(p.id) ?? meanTag(p) ?? 0.5,
        responses: (byId.get(p.id) as SimulatedPrompt).responses,
        rankings: p.annotations.map((a) => a.ranking),
      }));
      const result = await trainRewardModel([...prompts, ...testTraining], {
        steps,
        hiddenSizes: [32],
        featureDim: 1024,
        batchPrompts: 32,
        evalEvery: steps,
        testIds: test.map((p) => p.id),
        seed,
      });
      const model = loadRewardModel(result.weights);
      const score = (p: SimulatedPrompt) => model.score(p.text, p.responses);
      margins = new Map(pool.map((p) => [p.id, rewardMargin(score(p))]));
      return heldOutAccuracy(test, score);
    };

    refreshOpenness();
    let done = 0;
    while (done < budget) {
      const open = state.filter((p) => p.annotations.length < perPrompt);
      const [next] = orderQueue(
        open.map((p) => ({
          id: p.id,
          annotations: p.annotations.length,
          opennessSd: opennessSd.get(p.id),
          rewardMargin: margins.get(p.id),
          p,
        })),
        order,
      );
      if (!next) break;
      const used = new Set(next.p.annotations.map((a) => a.annotator));
      const free = annotators.filter((a) => !used.has(a.id));
      const annotator = free[Math.floor(rng() * free.length)]!;
      next.p.annotations.push(simulateAnnotation(byId.get(next.id) as SimulatedPrompt, annotator, rng));
      done++;
      if (done % every === 0 || done === budget) {
        refreshOpenness();
        const cp: Checkpoint = { annotations: done, opennessMae: opennessMae() };
        if (done % trainEvery === 0 || done === budget) cp.accuracy = await train();
        checkpoints.push(cp);
      }
    }
    const firstMae = checkpoints.find((c) => c.opennessMae <= targetMae);
    const firstAcc = checkpoints.find((c) => c.accuracy !== undefined && c.accuracy >= targetAccuracy);
    const last = checkpoints[checkpoints.length - 1] as Checkpoint;
    const lastAcc = [...checkpoints].reverse().find((c) => c.accuracy !== undefined);
    results.push({
      order,
      checkpoints,
      annotationsToMae: firstMae?.annotations ?? null,
      annotationsToAccuracy: firstAcc?.annotations ?? null,
      finalMae: last.opennessMae,
      finalAccuracy: lastAcc?.accuracy ?? null,
      seconds: (performance.now() - t0) / 1000,
    });
    if (!values.json) console.error(`bench active: ${order} done in ${results.at(-1)!.seconds.toFixed(1)} s`);
  }

  const settings = {
    prompts: nPrompts,
    testPrompts: nTest,
    perPrompt,
    annotators: nAnnotators,
    every,
    trainEvery,
    steps,
    targetMae,
    targetAccuracy,
    seed,
  };
  if (values.json) {
    console.log(JSON.stringify({ settings, results }, null, 2));
    return;
  }
  const fmt = (x: number | null | undefined, d = 3) => (x === null || x === undefined ? "—" : x.toFixed(d));
  console.log(
    `Pool ${nPrompts} prompts x up to ${perPrompt} annotations (budget ${budget}), ${nTest} held-out prompts, ${nAnnotators} simulated annotators, seed ${seed}.`,
  );
  console.log(
    `| order | annotations to openness MAE <= ${targetMae} | annotations to held-out pair acc >= ${targetAccuracy} | final MAE | final acc | s |`,
  );
  console.log("|---|---|---|---|---|---|");
  for (const r of results)
    console.log(
      `| ${r.order} | ${r.annotationsToMae ?? "not reached"} | ${r.annotationsToAccuracy ?? "not reached"} | ${fmt(r.finalMae)} | ${fmt(r.finalAccuracy)} | ${r.seconds.toFixed(1)} |`,
    );
  console.log("\nCurves (annotations: openness MAE / held-out pair accuracy):");
  const header = results.map((r) => r.order).join(" | ");
  console.log(`| annotations | ${header} |`);
  console.log(`|---|${results.map(() => "---|").join("")}`);
  const points = results[0]?.checkpoints.map((c) => c.annotations) ?? [];
  for (const [i, n] of points.entries()) {
    const cells = results.map((r) => {
      const c = r.checkpoints[i];
      return c ? `${fmt(c.opennessMae)}${c.accuracy !== undefined ? ` / ${fmt(c.accuracy)}` : ""}` : "";
    });
    if (cells.some((c) => c.includes("/")) || i % 2 === 0) console.log(`| ${n} | ${cells.join(" | ")} |`);
  }
}
