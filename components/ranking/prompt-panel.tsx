import { Markdown } from "@/components/markdown";
import { cardVariants } from "@/components/ui/card";
import { ROLE_LABEL, type ChatMessage } from "@/lib/datasets/conversation";
import { cn } from "@/lib/utils";

/** Turns shown open at the end of a conversation; earlier ones fold into one "earlier turns" toggle. */
const OPEN_TURNS = 3;

function Turn({ message, last }: { message: ChatMessage; last: boolean }) {
  return (
    <li
      className={cn(
        "rounded-lg px-3 py-2",
        message.role === "system" && "bg-slate-50 text-sm text-slate-600",
        message.role === "assistant" && "ml-4 bg-slate-50 sm:ml-8",
        message.role === "user" &&
          (last ? "border border-indigo-200 bg-indigo-50/60" : "bg-white ring-1 ring-slate-200"),
      )}
      data-testid="prompt-turn"
      data-role={message.role}
    >
      <p className="text-xs font-semibold uppercase tracking-wide text-slate-500">{ROLE_LABEL[message.role]}</p>
      <Markdown source={message.content} className={cn("mt-1", last && "text-base text-slate-900 sm:text-[17px]")} />
    </li>
  );
}

/**
 * A conversation as a transcript, markdown per turn: the system turn and the last turns open, the
 * history between them folded, so the question being answered stays in view however long the chat.
 */
function Transcript({ messages }: { messages: readonly ChatMessage[] }) {
  const system = messages[0]?.role === "system" ? messages[0] : null;
  const turns = system ? messages.slice(1) : messages;
  const folded = turns.length > OPEN_TURNS + 1 ? turns.slice(0, turns.length - OPEN_TURNS) : [];
  const open = turns.slice(folded.length);
  return (
    <div className="mt-2 space-y-2" data-testid="prompt-transcript">
      {system && (
        <ol>
          <Turn message={system} last={false} />
        </ol>
      )}
      {folded.length > 0 && (
        <details className="rounded-lg bg-slate-50 text-sm" data-testid="prompt-earlier-turns">
          <summary className="cursor-pointer select-none rounded-lg px-3 py-2 font-medium text-slate-700 hover:bg-slate-100 focus-visible:outline-none focus-visible:ring-2 focus-visible:ring-indigo-500">
            {folded.length} earlier turns
          </summary>
          <ol className="space-y-2 px-2 pb-2">
            {folded.map((m, i) => (
              <Turn key={i} message={m} last={false} />
            ))}
          </ol>
        </details>
      )}
      <ol className="space-y-2">
        {open.map((m, i) => (
          <Turn key={folded.length + i} message={m} last={i === open.length - 1} />
        ))}
      </ol>
      <p className="text-xs text-slate-500">The responses below are the assistant&apos;s next turn.</p>
    </div>
  );
}

/** A prompt as the annotator reads it: its text, or a conversation's transcript. */
export function PromptView({
  text,
  messages,
  className,
}: {
  text: string;
  messages: readonly ChatMessage[] | null;
  className?: string;
}) {
  return messages ? (
    <Transcript messages={messages} />
  ) : (
    <Markdown source={text} testId="prompt-text" className={className} />
  );
}

export function PromptPanel({
  text,
  messages = null,
  guidelines,
}: {
  text: string;
  /** A conversation's turns; the text alone is shown for a plain prompt. */
  messages?: readonly ChatMessage[] | null;
  guidelines: string;
}) {
  return (
    <section aria-labelledby="prompt-title" className={cn(cardVariants(), "order-1")}>
      <h2 id="prompt-title" className="text-xs font-semibold uppercase tracking-wide text-indigo-700">
        {messages ? "Conversation" : "Prompt"}
      </h2>
      <PromptView text={text} messages={messages} className="mt-2 text-base text-slate-900 sm:text-[17px]" />
      {guidelines.trim() && (
        <details className="group mt-4 rounded-lg bg-slate-50 text-sm" data-testid="guidelines">
          <summary className="cursor-pointer select-none rounded-lg px-3 py-2 font-medium text-slate-700 hover:bg-slate-100 focus-visible:outline-none focus-visible:ring-2 focus-visible:ring-indigo-500">
            Guidelines
          </summary>
          <Markdown source={guidelines} className="max-h-72 overflow-y-auto px-3 pb-3" />
        </details>
      )}
    </section>
  );
}
