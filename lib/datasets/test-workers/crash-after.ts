import type { ImportPhase, StagingTuning } from "@/lib/datasets/import-staging";

/** The tuning, plus a SIGKILL of this process right after its `nth` committed transaction of `phase`. */
export function crashAfter(tuning: StagingTuning, phase: string | undefined, nth: string | undefined): StagingTuning {
  if (!phase) return tuning;
  let seen = 0;
  return {
    ...tuning,
    onTransaction: (heldMs, transactionPhase: ImportPhase) => {
      tuning.onTransaction?.(heldMs, transactionPhase);
      if (transactionPhase === phase && ++seen === Number(nth)) process.kill(process.pid, "SIGKILL");
    },
  };
}
