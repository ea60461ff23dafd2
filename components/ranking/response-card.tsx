"use client";

import { useSortable } from "@dnd-kit/sortable";
import { CSS } from "@dnd-kit/utilities";
import { Markdown } from "@/components/markdown";
import { Badge } from "@/components/ui/badge";
import { buttonVariants } from "@/components/ui/button";
import { Kbd } from "@/components/ui/kbd";
import { cn } from "@/lib/utils";

/** Responses longer than this (characters or lines) start collapsed. */
const COLLAPSE_CHARS = 520;
const COLLAPSE_LINES = 9;

export function isLongResponse(text: string): boolean {
  return text.length > COLLAPSE_CHARS || text.split("\n").length > COLLAPSE_LINES;
}

export type ResponseCardProps = {
  id: number;
  label: string;
  text: string;
  rank: number;
  /** The digit that selects this card from the keyboard, when it has one (places 1–9). */
  digit: number | null;
  tiedAbove: boolean;
  tiedBelow: boolean;
  selected: boolean;
  expanded: boolean;
  disabled: boolean;
  isFirst: boolean;
  isLast: boolean;
  onSelect: () => void;
  onToggleExpanded: () => void;
  onMove: (direction: -1 | 1) => void;
  onToggleTie: () => void;
};

function GripIcon() {
  return (
    <svg aria-hidden viewBox="0 0 20 20" className="h-5 w-5" fill="currentColor">
      <circle cx="7" cy="5" r="1.5" />
      <circle cx="13" cy="5" r="1.5" />
      <circle cx="7" cy="10" r="1.5" />
      <circle cx="13" cy="10" r="1.5" />
      <circle cx="7" cy="15" r="1.5" />
      <circle cx="13" cy="15" r="1.5" />
    </svg>
  );
}

function Chevron({ up }: { up?: boolean }) {
  return (
    <svg
      aria-hidden
      viewBox="0 0 20 20"
      className={cn("h-4 w-4", up && "rotate-180")}
      fill="none"
      stroke="currentColor"
      strokeWidth="2"
    >
      <path d="M5 8l5 5 5-5" strokeLinecap="round" strokeLinejoin="round" />
    </svg>
  );
}

const iconButton = buttonVariants({ variant: "icon", size: "icon", className: "focus-visible:ring-offset-0" });

/** One response in the ranking: a drag handle, its rank, the text, and buttons for touch and mouse users. */
export function ResponseCard(props: ResponseCardProps) {
  const { id, label, text, rank, tiedAbove, tiedBelow, selected, expanded, disabled } = props;
  const { attributes, listeners, setNodeRef, setActivatorNodeRef, transform, transition, isDragging } = useSortable({
    id,
    disabled,
  });
  const long = isLongResponse(text);
  // A long card shows collapsed while it is dragged: expanded, it is taller than the screen, and
  // its centre (which places it) would sit a screen away from the hand moving it.
  const collapsed = long && (!expanded || isDragging);
  const tied = tiedAbove || tiedBelow;
  const bodyId = `response-${id}-text`;

  return (
    <li
      ref={setNodeRef}
      style={{ transform: CSS.Translate.toString(transform), transition }}
      data-testid="response-card"
      data-response-id={id}
      data-rank={rank}
      data-selected={selected || undefined}
      aria-label={`Response ${label}, rank ${rank}${tied ? ", tied" : ""}`}
      onClick={props.onSelect}
      // Tabbing into a card selects it, so cards past the ninth are reachable from the keyboard.
      onFocus={(e) => {
        if (!selected && e.target.closest("[data-drag-handle]")) props.onSelect();
      }}
      className={cn(
        "relative border bg-white transition-[box-shadow,background-color] duration-150",
        tiedAbove ? "-mt-px rounded-t-none [border-top-style:dashed]" : "mt-3 rounded-t-xl first:mt-0",
        tiedBelow ? "rounded-b-none" : "rounded-b-xl",
        tied ? "border-amber-300 bg-amber-50/40" : "border-slate-200",
        selected && "z-[1] ring-2 ring-indigo-500 ring-offset-1",
        isDragging && "z-10 shadow-xl ring-2 ring-indigo-400",
        !isDragging && "shadow-sm",
        disabled && "opacity-60",
      )}
    >
      <div className="flex items-start gap-2 px-3 pt-3 sm:gap-3 sm:px-4 sm:pt-4">
        <div className="flex flex-col items-center gap-1">
          <button
            type="button"
            ref={setActivatorNodeRef}
            data-drag-handle
            data-testid="drag-handle"
            className={cn(iconButton, "h-9 w-9 touch-none cursor-grab active:cursor-grabbing")}
            disabled={disabled}
            {...attributes}
            {...listeners}
            onClick={(e) => e.stopPropagation()}
          >
            <GripIcon />
            <span className="sr-only">
              Drag response {label} (rank {rank}) to reorder
            </span>
          </button>
        </div>

        <div
          aria-hidden
          className={cn(
            "grid h-9 w-9 shrink-0 place-items-center rounded-full text-base font-semibold tabular-nums",
            rank === 1
              ? "bg-indigo-600 text-white"
              : tied
                ? "bg-amber-400 text-amber-950"
                : "bg-slate-100 text-slate-700",
          )}
          data-testid="rank-badge"
        >
          {rank}
        </div>

        <div className="min-w-0 flex-1">
          <div className="flex min-h-9 flex-wrap items-center gap-x-2 gap-y-1">
            <span className="text-sm font-semibold text-slate-800">Response {label}</span>
            {props.digit !== null && (
              <Kbd size="sm" title={`Press ${props.digit} to select`} className="hidden sm:inline-flex">
                {props.digit}
              </Kbd>
            )}
            {tied && (
              <Badge tone="warning" data-testid="tied-badge">
                {tiedAbove ? "tied with above" : "tied"}
              </Badge>
            )}
            <div className="ml-auto flex items-center gap-0.5" onClick={(e) => e.stopPropagation()}>
              <button
                type="button"
                className={iconButton}
                disabled={disabled || props.isFirst}
                onClick={() => props.onMove(-1)}
              >
                <Chevron up />
                <span className="sr-only">Move response {label} up</span>
              </button>
              <button
                type="button"
                className={iconButton}
                disabled={disabled || props.isLast}
                onClick={() => props.onMove(1)}
              >
                <Chevron />
                <span className="sr-only">Move response {label} down</span>
              </button>
              <button
                type="button"
                className={cn(
                  iconButton,
                  "inline-flex w-auto items-center gap-1 px-2 text-xs font-semibold",
                  tiedAbove && "text-amber-700",
                )}
                disabled={disabled || props.isFirst}
                aria-pressed={tiedAbove}
                onClick={props.onToggleTie}
                data-testid="tie-button"
                aria-label={
                  tiedAbove ? `Untie response ${label} from the one above` : `Tie response ${label} with the one above`
                }
              >
                <span aria-hidden>=</span>
                <span aria-hidden className="hidden sm:inline">
                  {tiedAbove ? "Untie" : "Tie"}
                </span>
              </button>
            </div>
          </div>
        </div>
      </div>
      <div className="px-3 pb-3 sm:pb-4 sm:pl-28 sm:pr-4">
        <div className="relative">
          <div id={bodyId} className={cn(collapsed && "max-h-40 overflow-hidden")}>
            <Markdown source={text} testId="response-text" className="text-[15px] text-slate-800" />
          </div>
          {collapsed && (
            <div
              aria-hidden
              className={cn(
                "pointer-events-none absolute inset-x-0 bottom-0 h-12 bg-gradient-to-t to-transparent",
                tied ? "from-[#fffdf7]" : "from-white",
              )}
            />
          )}
        </div>
        {long && (
          <button
            type="button"
            aria-expanded={expanded}
            aria-controls={bodyId}
            onClick={(e) => {
              e.stopPropagation();
              props.onToggleExpanded();
            }}
            className={cn(buttonVariants({ variant: "link", size: "sm" }), "mt-1")}
            data-testid="expand-response"
          >
            {expanded ? "Show less" : `Show all (${text.split(/\s+/).length} words)`}
          </button>
        )}
      </div>
    </li>
  );
}
