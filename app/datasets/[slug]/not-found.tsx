import { EmptyState } from "@/components/ui/empty-state";

export default function DatasetNotFound() {
  return (
    <EmptyState
      eyebrow="404"
      title="There is no such dataset or prompt"
      testId="not-found"
      actions={[
        { href: "/datasets", label: "All datasets" },
        { href: "/datasets/new", label: "New dataset" },
      ]}
    >
      Check the dataset name and the prompt number in the address.
    </EmptyState>
  );
}
