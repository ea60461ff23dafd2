/**
 * A conversation's roles and their labels, apart from the schemas in conversation.ts: the ranking
 * board (a client component) shows the labels, and importing zod there put its eval probe in the
 * browser, which the page's CSP reports.
 */
export const CHAT_ROLES = ["system", "user", "assistant"] as const;
export type ChatRole = (typeof CHAT_ROLES)[number];
export type ChatMessage = { role: ChatRole; content: string };

export const ROLE_LABEL: Record<ChatRole, string> = { system: "System", user: "User", assistant: "Assistant" };
