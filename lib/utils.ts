import { clsx, type ClassValue } from "clsx";
import { twMerge } from "tailwind-merge";

export function cn(...inputs: ClassValue[]): string {
  return twMerge(clsx(inputs));
}

/** "1 prompt", "3 prompts": a count with its noun, never "prompt(s)". */
export function plural(count: number, singular: string, pluralForm = `${singular}s`): string {
  return `${count} ${count === 1 ? singular : pluralForm}`;
}

const DATE_TIME = new Intl.DateTimeFormat("en-GB", { dateStyle: "medium", timeStyle: "short", timeZone: "UTC" });

/**
 * The one way the app writes a moment: "6 Dec 2026, 14:05 UTC". In UTC, so a page reads the same
 * whichever server or browser renders it (and a server render never disagrees with hydration).
 */
export function formatDateTime(moment: Date): string {
  return `${DATE_TIME.format(moment)} UTC`;
}
