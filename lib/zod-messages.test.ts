import { describe, expect, it } from "vitest";
import { z } from "zod";
import { describeZodError } from "@/lib/http/body";
import { annotationInputSchema } from "@/lib/annotations/annotations";
import { MAX_COMMENT_CHARS } from "@/lib/markdown-budget";

const problems = (schema: z.ZodType, value: unknown) => {
  const parsed = schema.safeParse(value);
  if (parsed.success) throw new Error("expected a refusal");
  return describeZodError(parsed.error);
};

describe("validation messages people read", () => {
  it("says a comment is too long in words, with the limit and the length, not zod's wording", () => {
    const text = problems(annotationInputSchema, {
      promptId: 1,
      ranking: [[1]],
      openness: 0.5,
      comment: "x".repeat(MAX_COMMENT_CHARS + 1),
    });
    expect(text).toBe(
      `comment: Too long: at most ${MAX_COMMENT_CHARS.toLocaleString("en-US")} characters (this has ${(MAX_COMMENT_CHARS + 1).toLocaleString("en-US")}).`,
    );
    expect(text).not.toMatch(/Too big|expected string/);
  });

  it("names types, options and missing fields plainly, each at its field as sent, and keeps a schema's own message", () => {
    const schema = z.object({
      durationMs: z.number().int(),
      mode: z.enum(["ranking", "pairwise"]),
      email: z.email(),
      responses: z.array(z.object({ text: z.string() })),
      slug: z.string().min(1, "Give the dataset a slug."),
    });
    const text = problems(schema, {
      durationMs: 1.5,
      mode: "lists",
      email: "nobody",
      responses: [{ text: "a" }, { text: 3 }],
      slug: "",
    });
    expect(text.split("; ")).toEqual([
      "durationMs: Must be a whole number, not 1.5.",
      'mode: Must be one of "ranking", "pairwise", not "lists".',
      "email: Must be an email address, like name@example.org.",
      "responses.1.text: Must be a text, not 3.",
      "slug: Give the dataset a slug.",
    ]);
    expect(problems(z.object({ name: z.string() }), {})).toBe("name: Required.");
    expect(problems(z.array(z.number()).max(2), [1, 2, 3])).toBe("Too many: at most 2 (this has 3).");
  });
});
