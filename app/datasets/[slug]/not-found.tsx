import { NotFoundState } from "@/components/ui/empty-state";

const WAYS_ON = [
  { href: "/datasets", label: "All datasets" },
  { href: "/datasets/new", label: "New dataset" },
];

export default function DatasetNotFound() {
  return (
    <NotFoundState title="There is no such dataset or prompt" actions={WAYS_ON}>
      Check the dataset name and the prompt number in the address.
    </NotFoundState>
  );
}
