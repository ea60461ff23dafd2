/**
 * `node --import tsx lib/datasets/test-workers/submit-loop.ts ANNOTATOR_ID PROMPTS_JSON`: an
 * annotator submitting rankings in a loop on its own connection to the database its environment
 * names (lib/env.ts environmentOpening), with the server's lock wait, as a writer competing with an
 * import. PROMPTS_JSON lists `{ id, responseIds }`. Stops on "stop" over IPC and answers with what it
 * saw: how many submits, how many gave up waiting for a lock (isLockTimeout: SQLITE_BUSY, or
 * PostgreSQL's lock timeout), the longest one.
 */
import { isLockTimeout } from "@/db/store";
import { openStoreAt } from "@/db/store/open";
import { saveAnnotation } from "@/lib/annotations/annotations";
import { databaseLocation } from "@/lib/env";

const [annotator, promptsJson] = process.argv.slice(2);
const { store, close } = openStoreAt(databaseLocation());
const annotatorId = Number(annotator);
const prompts = JSON.parse(promptsJson!) as { id: number; responseIds: number[] }[];

let stop = false;
process.on("message", (message) => {
  if (message === "stop") stop = true;
});
// A parent that dies without saying "stop" must not leave this loop running.
process.on("disconnect", () => process.exit(1));

const seen = { submits: 0, busy: 0, otherErrors: [] as string[], longestSubmitMs: 0 };
process.send!("ready");
void (async () => {
  for (let i = 0; !stop; i++) {
    const { id, responseIds } = prompts[i % prompts.length]!;
    const started = performance.now();
    try {
      await saveAnnotation(store, annotatorId, {
        promptId: id,
        ranking: (i % 2 ? [...responseIds].reverse() : responseIds).map((r) => [r]),
        openness: 0.5,
        notRankable: false,
      });
      seen.submits++;
    } catch (error) {
      if (isLockTimeout(error)) seen.busy++;
      else seen.otherErrors.push(String(error));
    }
    seen.longestSubmitMs = Math.max(seen.longestSubmitMs, performance.now() - started);
    // 100 submits a second: far more than a team of annotators makes.
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  await close();
  process.send!(seen, () => process.exit(0));
})();
