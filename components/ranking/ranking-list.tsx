"use client";

import {
  DndContext,
  KeyboardSensor,
  MeasuringStrategy,
  PointerSensor,
  TouchSensor,
  closestCenter,
  useSensor,
  useSensors,
  type Announcements,
  type DragEndEvent,
  type Modifier,
} from "@dnd-kit/core";
import { SortableContext, sortableKeyboardCoordinates, verticalListSortingStrategy } from "@dnd-kit/sortable";
import { ResponseCard } from "@/components/ranking/response-card";
import { groupIndexOf } from "@/components/ranking/ranking-state";
import { DIGIT_PLACES } from "@/components/ranking/use-board-keys";
import type { Ranking } from "@/components/ranking/use-ranking";
import { cn } from "@/lib/utils";

const onlyVertical: Modifier = ({ transform }) => ({ ...transform, x: 0 });

/** The sortable cards: drag by the handle (pointer, touch or keyboard), or the cards' own buttons. */
export function RankingList({
  ranking,
  disabled,
  onDraggingChange,
}: {
  ranking: Ranking;
  disabled: boolean;
  onDraggingChange: (dragging: boolean) => void;
}) {
  const { groups, order, name } = ranking;
  const sensors = useSensors(
    useSensor(PointerSensor, { activationConstraint: { distance: 8 } }),
    useSensor(TouchSensor, { activationConstraint: { delay: 150, tolerance: 8 } }),
    useSensor(KeyboardSensor, { coordinateGetter: sortableKeyboardCoordinates }),
  );
  const place = (id: unknown) => order.indexOf(Number(id)) + 1;

  const onDragEnd = (event: DragEndEvent) => {
    onDraggingChange(false);
    if (!event.over || event.active.id === event.over.id) return;
    const to = order.indexOf(Number(event.over.id));
    if (to >= 0) ranking.moveTo(Number(event.active.id), to);
  };

  const announcements: Announcements = {
    onDragStart: ({ active }) => `Picked up ${name(Number(active.id))}, rank ${ranking.rankOf(Number(active.id))}.`,
    onDragOver: ({ active, over }) =>
      over ? `${name(Number(active.id))} is over place ${place(over.id)}.` : undefined,
    onDragEnd: ({ active, over }) =>
      over ? `Dropped ${name(Number(active.id))} at place ${place(over.id)}.` : `Dropped ${name(Number(active.id))}.`,
    onDragCancel: ({ active }) => `Moving ${name(Number(active.id))} was cancelled.`,
  };

  return (
    <DndContext
      sensors={sensors}
      collisionDetection={closestCenter}
      modifiers={[onlyVertical]}
      // Measured while dragging too: a dragged long card collapses, and the places must follow it.
      measuring={{ droppable: { strategy: MeasuringStrategy.Always } }}
      accessibility={{ announcements }}
      onDragStart={() => onDraggingChange(true)}
      onDragCancel={() => onDraggingChange(false)}
      onDragEnd={onDragEnd}
    >
      <SortableContext items={order} strategy={verticalListSortingStrategy}>
        <ol
          className={cn("list-none", disabled && "pointer-events-none")}
          data-testid="ranking-list"
          aria-label="Responses in ranked order"
        >
          {order.map((id, position) => {
            const response = ranking.byId.get(id)!;
            const group = groups[groupIndexOf(groups, id)]!;
            return (
              <ResponseCard
                key={id}
                id={id}
                label={response.label}
                text={response.text}
                rank={ranking.rankOf(id)}
                digit={position < DIGIT_PLACES ? position + 1 : null}
                tiedAbove={group.indexOf(id) > 0}
                tiedBelow={group.indexOf(id) < group.length - 1}
                selected={ranking.selected === id}
                expanded={ranking.expanded.has(id)}
                disabled={disabled}
                isFirst={position === 0}
                isLast={position === order.length - 1}
                onSelect={() => ranking.select(id)}
                onToggleExpanded={() => ranking.toggleExpanded(id)}
                onMove={(d) => ranking.move(id, d)}
                onToggleTie={() => ranking.toggleTie(id)}
              />
            );
          })}
        </ol>
      </SortableContext>
    </DndContext>
  );
}
