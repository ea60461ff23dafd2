import { EmptyState } from "@/components/ui/empty-state";

export default function RunNotFound() {
  return (
    <EmptyState
      eyebrow="404"
      title="There is no such run"
      testId="not-found"
      actions={[
        { href: "/runs", label: "All runs" },
        { href: "/runs/new", label: "Start a run" },
      ]}
    >
      Check the run number in the address; runs are never renumbered.
    </EmptyState>
  );
}
