import { NotFoundState } from "@/components/ui/empty-state";

const WAYS_ON = [
  { href: "/runs", label: "All runs" },
  { href: "/runs/new", label: "Start a run" },
];

export default function RunNotFound() {
  return (
    <NotFoundState title="There is no such run" actions={WAYS_ON}>
      Check the run number in the address; runs are never renumbered.
    </NotFoundState>
  );
}
