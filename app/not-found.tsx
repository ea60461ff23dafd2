import { NotFoundState } from "@/components/ui/empty-state";

export const metadata = { title: "Not found" };

export default function NotFound() {
  return (
    <NotFoundState title="There is nothing at this address">
      The link may be mistyped, or what it pointed to was removed.
    </NotFoundState>
  );
}
