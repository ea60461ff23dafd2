import { z } from "zod";

/**
 * zod's default messages ("Too big: expected string to have <=10000 characters", "Invalid input:
 * expected int, received number") are for programmers; people see these instead, wherever a schema
 * gives no message of its own. Installed once, process-wide, by importing this module (lib/http/body.ts
 * and lib/validation.ts do): a schema's own message still wins.
 */

const MAX_SHOWN = 40;

function shown(input: unknown): string {
  if (input === undefined) return "nothing";
  if (input === null) return "null";
  if (typeof input === "string") {
    return input.length > MAX_SHOWN
      ? `a text of ${input.length.toLocaleString("en-US")} characters`
      : JSON.stringify(input);
  }
  if (typeof input === "number" || typeof input === "boolean") return String(input);
  if (Array.isArray(input)) return `a list of ${input.length}`;
  return "an object";
}

const count = (n: number | bigint) => Number(n).toLocaleString("en-US");

const EXPECTED: Record<string, string> = {
  string: "a text",
  number: "a number",
  int: "a whole number",
  boolean: "true or false",
  array: "a list",
  object: "an object",
  date: "a date",
  bigint: "a whole number",
};

const FORMATS: Record<string, string> = {
  email: "an email address, like name@example.org",
  url: "a web address (https://…)",
  regex: "in the expected format",
  datetime: "a date and time (ISO 8601, like 2026-01-31T12:00:00Z)",
  date: "a date (like 2026-01-31)",
};

/** A person's message for one zod issue, or undefined to keep zod's own. */
export function humanIssue(issue: z.core.$ZodRawIssue): string | undefined {
  const input = issue.input;
  switch (issue.code) {
    case "invalid_type":
      if (input === undefined) return "Required.";
      return `Must be ${EXPECTED[issue.expected] ?? issue.expected}, not ${shown(input)}.`;
    case "too_big": {
      const most = issue.inclusive === false ? "less than" : "at most";
      if (issue.origin === "string")
        return `Too long: ${most} ${count(issue.maximum)} characters${typeof input === "string" ? ` (this has ${count(input.length)})` : ""}.`;
      if (issue.origin === "array" || issue.origin === "set")
        return `Too many: ${most} ${count(issue.maximum)}${Array.isArray(input) ? ` (this has ${count(input.length)})` : ""}.`;
      return `Must be ${most} ${count(issue.maximum)}, not ${shown(input)}.`;
    }
    case "too_small": {
      const least = issue.inclusive === false ? "more than" : "at least";
      if (issue.origin === "string")
        return Number(issue.minimum) === 1
          ? "Required: it cannot be empty."
          : `Too short: ${least} ${count(issue.minimum)} characters.`;
      if (issue.origin === "array" || issue.origin === "set")
        return Number(issue.minimum) === 1 ? "Cannot be empty." : `Too few: ${least} ${count(issue.minimum)}.`;
      return `Must be ${least} ${count(issue.minimum)}, not ${shown(input)}.`;
    }
    case "invalid_value":
      return issue.values.length === 1
        ? `Must be ${JSON.stringify(issue.values[0])}, not ${shown(input)}.`
        : `Must be one of ${issue.values.map((v) => JSON.stringify(v)).join(", ")}, not ${shown(input)}.`;
    case "invalid_format":
      return `Must be ${FORMATS[issue.format] ?? `a valid ${issue.format}`}.`;
    case "not_multiple_of":
      return `Must be a multiple of ${String(issue.divisor)}.`;
    case "unrecognized_keys":
      return `Unknown ${issue.keys.length === 1 ? "field" : "fields"}: ${issue.keys.join(", ")}.`;
    case "invalid_union":
      return "Not any of the accepted forms.";
    default:
      return undefined;
  }
}

z.config({ customError: humanIssue });
