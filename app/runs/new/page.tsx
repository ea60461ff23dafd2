import { getStore } from "@/lib/db";
import { requirePageUser } from "@/lib/auth/session";
import { datasetTrainingStats } from "@/lib/runs/training-data";
import { UTILITY_DESCRIPTIONS, UTILITY_NAMES } from "@/lib/runs/schemas";
import { MIN_TRAINING_PROMPTS, trainSettingDefaults } from "@/lib/runs/training";
import { RunForm } from "@/components/runs/run-form";
import { cardVariants } from "@/components/ui/card";
import { PageHeader } from "@/components/ui/page-header";

export const metadata = { title: "New run" };
export const dynamic = "force-dynamic";

export default async function NewRunPage({ searchParams }: { searchParams: Promise<{ dataset?: string }> }) {
  await requirePageUser("researcher", "/runs/new");
  const { dataset } = await searchParams;
  const datasets = await datasetTrainingStats(getStore());
  const selected = datasets.find((d) => d.slug === dataset) ?? datasets.find((d) => !d.synthetic) ?? datasets[0];
  return (
    <div className="mx-auto max-w-3xl space-y-6">
      <PageHeader
        title="New training run"
        description="Trains a reward model on a dataset's rankings in a background worker. You can close this page: the run keeps going, one at a time, in the order queued."
      />
      {datasets.length === 0 ? (
        <p className={cardVariants({ tone: "dashed", className: "text-sm text-slate-600" })}>
          There are no datasets yet. Import one first.
        </p>
      ) : (
        <RunForm
          datasets={datasets}
          initialDatasetId={selected?.datasetId ?? datasets[0]!.datasetId}
          utilities={UTILITY_NAMES.map((name) => ({ name, description: UTILITY_DESCRIPTIONS[name] }))}
          trainDefaults={trainSettingDefaults()}
          minPrompts={MIN_TRAINING_PROMPTS}
        />
      )}
    </div>
  );
}
