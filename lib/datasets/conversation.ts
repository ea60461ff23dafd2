/**
 * A prompt as chat messages: what the conversational exports write and what a reward model's chat
 * template reads. A plain-text prompt is one user message.
 */

export const CHAT_ROLES = ["system", "user", "assistant"] as const;
export type ChatRole = (typeof CHAT_ROLES)[number];
export type ChatMessage = { role: ChatRole; content: string };

/** The prompt's messages: its stored conversation, else its text as one user turn. */
export function promptMessages(text: string, messages: readonly ChatMessage[] | null): ChatMessage[] {
  return messages ? messages.map((m) => ({ role: m.role, content: m.content })) : [{ role: "user", content: text }];
}

const ROLE_LABEL: Record<ChatRole, string> = { system: "System", user: "User", assistant: "Assistant" };

/**
 * The messages as one plain string for trainers that concatenate prompt and answer as text: each
 * turn labelled, turns apart by a blank line, ending with the label the answer follows, so the
 * answer never runs into the prompt's last word.
 */
export function plainTextPrompt(messages: readonly ChatMessage[]): string {
  return messages.map((m) => `${ROLE_LABEL[m.role]}: ${m.content}\n\n`).join("") + `${ROLE_LABEL.assistant}: `;
}
