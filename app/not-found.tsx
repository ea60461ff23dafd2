import { EmptyState } from "@/components/ui/empty-state";

export const metadata = { title: "Not found" };

export default function NotFound() {
  return (
    <EmptyState
      eyebrow="404"
      title="There is nothing at this address"
      testId="not-found"
      actions={[{ href: "/", label: "Back to your work" }]}
    >
      The link may be mistyped, or what it pointed to was removed.
    </EmptyState>
  );
}
