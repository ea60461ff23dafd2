"use client";

import { useEffect } from "react";
import { useRouter } from "next/navigation";

/** Re-renders the server page every few seconds while something it shows is still changing. */
export function AutoRefresh({ seconds, message }: { seconds: number; message: string }) {
  const router = useRouter();
  useEffect(() => {
    const timer = setInterval(() => router.refresh(), seconds * 1000);
    return () => clearInterval(timer);
  }, [router, seconds]);
  return (
    <p className="flex items-center gap-2 text-sm text-indigo-700" aria-live="polite" data-testid="auto-refresh">
      <span aria-hidden className="h-2 w-2 animate-pulse rounded-full bg-indigo-500" />
      {message}
    </p>
  );
}
