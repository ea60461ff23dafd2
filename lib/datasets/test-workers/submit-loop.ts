/**
 * `node --import tsx lib/datasets/test-workers/submit-loop.ts DB ANNOTATOR_ID PROMPT_ID...`: an
 * annotator submitting rankings in a loop on its own connection (busy_timeout 5000, like the
 * server's), as a writer competing with an import. Stops on "stop" over IPC and answers with what
 * it saw: how many submits, how many failed with SQLITE_BUSY, the longest one.
 */
import { openDatabase } from "@/db";
import { sqliteStore } from "@/db/store";
import { saveAnnotation } from "@/lib/annotations/annotations";

const [file, annotator, ...promptArgs] = process.argv.slice(2);
const db = openDatabase(file!);
const store = sqliteStore(db);
const annotatorId = Number(annotator);
const prompts = promptArgs.map(Number);
const responseIds = prompts.map((promptId) =>
  db.$client
    .prepare<[number], { id: number }>("select id from responses where prompt_id = ? order by position")
    .all(promptId)
    .map((r) => r.id),
);

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
    const k = i % prompts.length;
    const started = performance.now();
    try {
      await saveAnnotation(store, annotatorId, {
        promptId: prompts[k]!,
        ranking: (i % 2 ? [...responseIds[k]!].reverse() : responseIds[k]!).map((id) => [id]),
        openness: 0.5,
        notRankable: false,
      });
      seen.submits++;
    } catch (error) {
      if ((error as { code?: string }).code === "SQLITE_BUSY") seen.busy++;
      else seen.otherErrors.push(String(error));
    }
    seen.longestSubmitMs = Math.max(seen.longestSubmitMs, performance.now() - started);
    // 100 submits a second: far more than a team of annotators makes.
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  process.send!(seen, () => process.exit(0));
})();
