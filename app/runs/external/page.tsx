import { Breadcrumb } from "@/components/ui/breadcrumb";
import { getStore } from "@/lib/db";
import { requirePageUser } from "@/lib/auth/session";
import { listDatasets } from "@/lib/datasets/queries";
import { ExternalRunForm } from "@/components/runs/external-run-form";
import { DEFAULT_EPS, UTILITY_NAMES } from "@/ml";
import { CodeBlock } from "@/components/ui/code-block";

export const dynamic = "force-dynamic";
export const metadata = { title: "Judge an external reward model" };

export default async function ExternalRunPage() {
  await requirePageUser("researcher", "/runs/external");
  const datasets = (await listDatasets(getStore())).map((d) => ({ id: d.id, name: d.name, slug: d.slug }));
  return (
    <div className="max-w-3xl space-y-4">
      <Breadcrumb parent={{ href: "/runs", label: "Runs" }} current="external" />
      <h1 className="text-2xl font-semibold tracking-tight">Judge a reward model trained elsewhere</h1>
      <p className="text-sm text-slate-600">
        Score this dataset&apos;s responses with your reward model (TRL, OpenRLHF, …) and upload the scores: Octorank
        records them as an <em>external run</em> and shows the same collapse dashboard as for its own runs. One JSON
        line per prompt, ids as in the dataset&apos;s import and export files. Score the responses of the{" "}
        <code>consensus</code> export (one line per prompt, each response once) and copy each line&apos;s{" "}
        <code>split</code>:
      </p>
      <CodeBlock className="bg-slate-900 text-slate-100">
        {`{"prompt_id": "p17", "rewards": {"p17-a": 1.93, "p17-b": -0.41, ...}, "split": "test"}`}
      </CodeBlock>
      <p className="text-xs text-slate-500">
        Every response of a listed prompt needs a reward; prompts left out are left out of the run. split is required:
        the export&apos;s split column, the held-out split Octorank&apos;s own runs use, so train on the pairs marked
        train and the verdict judges the prompts your model did not see. Scripts can POST the same file to
        /api/datasets/&lt;slug&gt;/external-runs, or run <code>npm run cli -- external-run FILE --dataset SLUG</code>.
      </p>
      <ExternalRunForm datasets={datasets} utilities={UTILITY_NAMES} defaultEps={DEFAULT_EPS} />
    </div>
  );
}
