import { cn } from "@/lib/utils";

export const KEY_MAP: { keys: string[]; action: string }[] = [
  { keys: ["1", "–", "8"], action: "Select the card at that place" },
  { keys: ["↑", "k"], action: "Move the selected card up" },
  { keys: ["↓", "j"], action: "Move the selected card down" },
  { keys: ["t", "="], action: "Tie / untie with the card above" },
  { keys: ["e"], action: "Expand / collapse the selected card" },
  { keys: ["⇧1", "–", "⇧5"], action: "Openness, one correct … many equally good" },
  { keys: ["Esc"], action: "Deselect" },
  { keys: ["Enter"], action: "Submit (when ready)" },
  { keys: ["?"], action: "Show / hide this key map" },
];

export function Kbd({ children, className }: { children: React.ReactNode; className?: string }) {
  return (
    <kbd
      className={cn(
        "inline-flex min-w-6 items-center justify-center rounded border border-slate-300 border-b-2 bg-white px-1.5 py-0.5 font-sans text-xs font-medium text-slate-700",
        className,
      )}
    >
      {children}
    </kbd>
  );
}

/** The keyboard map, always visible on wide screens; `?` opens it anywhere. */
export function KeyMap({ open, onClose }: { open: boolean; onClose: () => void }) {
  return (
    <section
      aria-labelledby="keymap-title"
      data-testid="key-map"
      className={cn("rounded-xl border border-slate-200 bg-white p-4 shadow-sm", open ? "block" : "hidden lg:block")}
    >
      <div className="flex items-center justify-between">
        <h2 id="keymap-title" className="text-sm font-semibold text-slate-900">
          Keyboard
        </h2>
        <button
          type="button"
          onClick={onClose}
          className={cn("rounded px-1 text-xs text-slate-500 hover:text-slate-800", !open && "hidden")}
        >
          Hide
        </button>
      </div>
      <dl className="mt-2 grid grid-cols-[auto_1fr] items-center gap-x-3 gap-y-1.5 text-xs text-slate-600">
        {KEY_MAP.map(({ keys, action }) => (
          <div key={action} className="contents">
            <dt className="flex items-center gap-1 whitespace-nowrap">
              {keys.map((k, i) => (k === "–" ? <span key={i}>–</span> : <Kbd key={i}>{k}</Kbd>))}
            </dt>
            <dd>{action}</dd>
          </div>
        ))}
      </dl>
    </section>
  );
}
