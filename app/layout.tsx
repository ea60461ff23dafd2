import type { Metadata } from "next";
import type { ReactNode } from "react";
import "./globals.css";
import { AppNav } from "@/components/app-nav";
import { currentUser } from "@/lib/auth/session";

export const metadata: Metadata = {
  title: { default: "Octorank", template: "%s · Octorank" },
  description: "Preference rankings and reward models that do not collapse",
};

export default async function RootLayout({ children }: { children: ReactNode }) {
  const user = await currentUser();
  return (
    <html lang="en">
      <body className="min-h-screen">
        <AppNav user={user} />
        <main className="mx-auto max-w-7xl px-4 py-6">{children}</main>
      </body>
    </html>
  );
}
