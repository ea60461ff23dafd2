import { describe, expect, it } from "vitest";
import { freshDbPerTest, writeJsonl } from "@/lib/test-fixtures";
import { conversationSchema, plainTextPrompt, promptMessages, storedPrompt } from "./conversation";
import { derivedPromptId } from "./import-format";
import { importJsonlFile } from "./import";

const temp = freshDbPerTest();
const responses = ["one", "two", "three", "four"];

describe("conversations as prompts", () => {
  it("accepts system, user and assistant turns ending with the user's, and refuses anything else by turn", () => {
    expect(
      conversationSchema.safeParse([
        { role: "system", content: "Be brief." },
        { role: "user", content: "Hi" },
        { role: "assistant", content: "Hello." },
        { role: "user", content: "Bye" },
      ]).success,
    ).toBe(true);
    const problems = (turns: unknown) =>
      conversationSchema.safeParse(turns).error?.issues.map((i) => `${i.path.join(".")}: ${i.message}`) ?? [];
    expect(
      problems([
        { role: "user", content: "Hi" },
        { role: "assistant", content: "Hello." },
      ]),
    ).toEqual(["1.role: The last turn must be the user's: the responses are the assistant's next turn."]);
    expect(
      problems([
        { role: "user", content: "Hi" },
        { role: "system", content: "Late." },
        { role: "user", content: "?" },
      ]),
    ).toEqual(["1.role: A system turn may only come first."]);
    expect(problems([{ role: "tool", content: "x" }])[0]).toMatch(
      /^0.role: A turn's role is one of system, user, assistant/,
    );
    expect(problems([{ role: "user", content: "" }])[0]).toMatch(/^0.content: /);
    expect(problems([])[0]).toMatch(/at least one user turn/);
  });

  it("stores a one-turn conversation as the plain prompt it is, and a longer one as its turns and transcript", () => {
    expect(storedPrompt([{ role: "user", content: "Hi" }])).toEqual({ text: "Hi", messages: null });
    expect(derivedPromptId("Hi", null)).toBe(derivedPromptId(storedPrompt("Hi").text));
    const chat = storedPrompt([
      { role: "system", content: "Be brief." },
      { role: "user", content: "Hi" },
    ]);
    expect(chat.text).toBe("System: Be brief.\n\nUser: Hi");
    expect(promptMessages(chat.text, chat.messages)).toEqual(chat.messages);
    expect(promptMessages("Plain", null)).toEqual([{ role: "user", content: "Plain" }]);
    expect(plainTextPrompt([{ role: "user", content: "Name a planet" }])).toBe("User: Name a planet\n\nAssistant: ");
    // A conversation's id does not collide with a plain prompt whose text is its transcript.
    expect(derivedPromptId(chat.text, chat.messages)).not.toBe(derivedPromptId(chat.text));
  });

  it("imports conversations, refuses a bad one with its line and turn, and never rewrites a stored one", async () => {
    const chat = [
      { role: "system", content: "Be brief." },
      { role: "user", content: "Hi" },
    ];
    const ok = await importJsonlFile(temp.store, writeJsonl(temp.dir, [{ id: "c1", prompt: chat, responses }]), {
      slug: "chats",
      create: { name: "Chats" },
    });
    expect(ok).toMatchObject({ ok: true, promptsCreated: 1 });

    const bad = await importJsonlFile(
      temp.store,
      writeJsonl(temp.dir, [
        {
          id: "c2",
          prompt: [
            { role: "user", content: "Hi" },
            { role: "assistant", content: "Hello" },
          ],
          responses,
        },
        { id: "c3", prompt: { role: "user", content: "not a list" }, responses },
      ]),
      { slug: "chats" },
    );
    expect(bad).toMatchObject({ ok: false });
    expect(!bad.ok && bad.errors).toEqual([
      { line: 1, field: "prompt.1.role", reason: expect.stringMatching(/last turn must be the user's/) },
      { line: 2, field: "prompt", reason: expect.stringMatching(/text or a list of \{role, content\} turns/) },
    ]);

    const changed = await importJsonlFile(
      temp.store,
      writeJsonl(temp.dir, [
        {
          id: "c1",
          prompt: [...chat, { role: "assistant", content: "Hey" }, { role: "user", content: "?" }],
          responses,
        },
      ]),
      { slug: "chats" },
    );
    expect(!changed.ok && changed.errors).toEqual([
      {
        line: 1,
        field: "prompt",
        reason: 'Prompt "c1" is already stored with a different conversation; imports never rewrite prompts.',
      },
    ]);
    expect(await temp.side.rows("prompts")).toHaveLength(1);
  });
});
