import Link from "next/link";
import { redirect } from "next/navigation";
import { buttonVariants } from "@/components/ui/button";
import { Card } from "@/components/ui/card";
import { currentUser } from "@/lib/auth/session";
import { hasRole } from "@/lib/auth/roles";

export const metadata = { title: { absolute: "Octorank · rankings and reward models that do not collapse" } };

const STEPS = [
  {
    title: "Annotators rank",
    text: "Several model responses per prompt, best first, ties allowed, by drag, touch or keyboard; each prompt is tagged with how open it is (one right answer, or many equally good).",
  },
  {
    title: "Researchers check agreement",
    text: "Kendall's W per prompt, flagged annotators and prompts, consensus rankings and exports in JSONL.",
  },
  {
    title: "Reward models train on it",
    text: "Runs train a reward model with TensorFlow.js on the server, conditioned on each prompt's openness, and show whether its rewards collapse.",
  },
];

/** Signed in: straight to your work. Signed out: what Octorank is, and the way in. */
export default async function Home() {
  const user = await currentUser();
  if (user) redirect(hasRole(user.role, "researcher") ? "/datasets" : "/annotate");
  return (
    <div className="mx-auto max-w-3xl py-6 sm:py-12" data-testid="landing">
      <h1 className="text-3xl font-semibold tracking-tight text-slate-900 sm:text-4xl">
        Preference rankings, and reward models that do not collapse
      </h1>
      <p className="mt-4 text-lg leading-relaxed text-slate-700">
        Octorank collects people&apos;s rankings of model responses and trains reward models on them. It watches for
        reward collapse: a model that gives every answer to an open-ended prompt the same reward, or crushes all but
        one.
      </p>
      <div className="mt-6 flex flex-wrap gap-3">
        <Link href="/login" className={buttonVariants({ size: "lg" })} data-testid="landing-sign-in">
          Sign in
        </Link>
      </div>
      <ol className="mt-10 grid gap-4 sm:grid-cols-3">
        {STEPS.map((step, i) => (
          <li key={step.title}>
            <Card className="h-full">
              <p className="text-xs font-semibold uppercase tracking-wide text-indigo-700">Step {i + 1}</p>
              <h2 className="mt-1 text-base font-semibold text-slate-900">{step.title}</h2>
              <p className="mt-2 text-sm leading-relaxed text-slate-700">{step.text}</p>
            </Card>
          </li>
        ))}
      </ol>
    </div>
  );
}
