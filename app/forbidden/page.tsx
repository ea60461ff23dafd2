import { EmptyState } from "@/components/ui/empty-state";

export const metadata = { title: "Not allowed" };

export default async function Forbidden({ searchParams }: { searchParams: Promise<{ need?: string }> }) {
  const { need } = await searchParams;
  return (
    <EmptyState
      eyebrow="403"
      title="You don't have access to that page"
      testId="forbidden"
      actions={[{ href: "/", label: "Back to your work" }]}
    >
      It needs the {need === "admin" ? "admin" : "researcher"} role. Ask an admin if you should have it.
    </EmptyState>
  );
}
