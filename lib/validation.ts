import { z } from "zod";
// People's messages for zod's defaults, process-wide (every validating module imports this one or lib/http/body.ts).
import "@/lib/zod-messages";

/**
 * A number as JSON sends it or as a form field or URL parameter spells it: a finite number, or a
 * string holding one. Unlike `z.coerce.number()`, which reads `true` as 1 and `false`, `null` and ""
 * as 0, anything else is refused by `schema`. A blank string is a missing value: give `schema` its
 * own `.default()` or `.optional()` (inside, since zod applies an outer default only to `undefined`
 * itself) and an empty form field takes it.
 */
export function numeric<T extends z.ZodType<number | undefined, unknown>>(schema: T) {
  return z.preprocess((value) => {
    if (typeof value !== "string") return value;
    const trimmed = value.trim();
    return trimmed === "" ? undefined : Number(trimmed);
  }, schema);
}
