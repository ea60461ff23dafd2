import { z } from "zod";
import { MAX_STORED_TEXT_CHARS } from "@/lib/markdown-budget";

/**
 * A prompt may be a conversation: system, user and assistant turns ending with a user turn, the
 * responses being the next assistant turn. It is stored twice over: the turns (`prompts.messages`,
 * what the exports and the annotate page's transcript read) and a labelled transcript as the
 * prompt's text (what search, review lists and the trainer's features read). A plain-text prompt
 * has no messages and is one user message wherever messages are asked for.
 */

export const CHAT_ROLES = ["system", "user", "assistant"] as const;
export type ChatRole = (typeof CHAT_ROLES)[number];
export type ChatMessage = { role: ChatRole; content: string };

export const MAX_CONVERSATION_TURNS = 200;

export const chatMessageSchema = z.object({
  role: z.enum(CHAT_ROLES, { message: `A turn's role is one of ${CHAT_ROLES.join(", ")}.` }),
  content: z
    .string()
    .min(1, "A turn's content may not be empty.")
    .max(MAX_STORED_TEXT_CHARS, `Keep a turn under ${MAX_STORED_TEXT_CHARS.toLocaleString("en")} characters.`),
});

/** A conversation as a prompt: a system turn only first, then user and assistant turns, the last a user turn. */
export const conversationSchema = z
  .array(chatMessageSchema)
  .min(1, "A conversation needs at least one user turn.")
  .max(MAX_CONVERSATION_TURNS, `A conversation has at most ${MAX_CONVERSATION_TURNS} turns.`)
  .superRefine((messages, ctx) => {
    // The stored text is the whole transcript, under the same bound as any other prompt's text.
    if (messages.reduce((sum, m) => sum + m.content.length, 0) > MAX_STORED_TEXT_CHARS)
      ctx.addIssue({
        code: "custom",
        path: [],
        message: `Keep a conversation under ${MAX_STORED_TEXT_CHARS.toLocaleString("en")} characters in all.`,
      });
    messages.forEach((m, i) => {
      if (m.role === "system" && i > 0)
        ctx.addIssue({ code: "custom", path: [i, "role"], message: "A system turn may only come first." });
    });
    if (messages.at(-1)?.role !== "user")
      ctx.addIssue({
        code: "custom",
        path: [messages.length - 1, "role"],
        message: "The last turn must be the user's: the responses are the assistant's next turn.",
      });
  });

/**
 * How a prompt is stored: a conversation that is just one user turn is the plain prompt it
 * amounts to (same text, same derived id), so both spellings of one question are one prompt.
 */
export function storedPrompt(prompt: string | readonly ChatMessage[]): {
  text: string;
  messages: ChatMessage[] | null;
} {
  if (typeof prompt === "string") return { text: prompt, messages: null };
  if (prompt.length === 1 && prompt[0]!.role === "user") return { text: prompt[0]!.content, messages: null };
  const messages = prompt.map((m) => ({ role: m.role, content: m.content }));
  return { text: transcript(messages), messages };
}

/** The prompt's messages: its stored conversation, else its text as one user turn. */
export function promptMessages(text: string, messages: readonly ChatMessage[] | null): ChatMessage[] {
  return messages ? messages.map((m) => ({ role: m.role, content: m.content })) : [{ role: "user", content: text }];
}

/** A prompt as import lines and the annotations/consensus exports write it: its text, or its turns. */
export function promptColumn(text: string, messages: readonly ChatMessage[] | null): string | ChatMessage[] {
  return messages ? promptMessages(text, messages) : text;
}

/** Reads the stored `prompts.messages` column. */
export function parseStoredMessages(column: string | null): ChatMessage[] | null {
  return column ? (JSON.parse(column) as ChatMessage[]) : null;
}

export const ROLE_LABEL: Record<ChatRole, string> = { system: "System", user: "User", assistant: "Assistant" };

/** The turns as one text, each labelled, a blank line apart. */
export function transcript(messages: readonly ChatMessage[]): string {
  return messages.map((m) => `${ROLE_LABEL[m.role]}: ${m.content}`).join("\n\n");
}

/**
 * The messages as one plain string for trainers that concatenate prompt and answer as text: the
 * transcript, then the label the answer follows, so the answer never runs into the prompt's last word.
 */
export function plainTextPrompt(messages: readonly ChatMessage[]): string {
  return `${transcript(messages)}\n\n${ROLE_LABEL.assistant}: `;
}
