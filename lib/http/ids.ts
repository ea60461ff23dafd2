/**
 * Record ids in URLs, read one way everywhere: a positive whole number, written plainly. Anything
 * else names no record, so pages answer it with notFound() and routes with 404, as for an unknown id.
 */
import { z } from "zod";

const RECORD_ID = /^[1-9][0-9]{0,14}$/;

export function parseRecordId(raw: string | undefined): number | null {
  return raw !== undefined && RECORD_ID.test(raw) ? Number(raw) : null;
}

/** Path params `{ id }` of a route about one `what` (run, annotation): a bad id is 404. */
export function idParams(what: string) {
  return z.object({
    id: z
      .string()
      .regex(RECORD_ID, { error: (issue) => `There is no ${what} ${JSON.stringify(issue.input)}.` })
      .transform(Number),
  });
}
