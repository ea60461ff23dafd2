import { describe, expect, it } from "vitest";
import {
  flatten,
  isTiedWithAbove,
  moveCard,
  moveToIndex,
  rankOf,
  singletons,
  toggleTieWithAbove,
} from "./ranking-state";

describe("ranking state", () => {
  const start = singletons([1, 2, 3, 4]);

  it("moves single cards past whole groups and keeps other ties intact", () => {
    expect(moveCard(start, 3, -1)).toEqual([[1], [3], [2], [4]]);
    expect(moveCard(start, 1, -1)).toEqual(start);
    expect(moveCard(start, 4, 1)).toEqual(start);
    const tied = [[1], [2, 3], [4]];
    expect(moveCard(tied, 4, -1)).toEqual([[1], [4], [2, 3]]);
    expect(moveCard(tied, 1, 1)).toEqual([[2, 3], [1], [4]]);
  });

  it("a tied card steps out of its tie first", () => {
    expect(moveCard([[1], [2, 3], [4]], 3, 1)).toEqual([[1], [2], [3], [4]]);
    expect(moveCard([[1], [2, 3], [4]], 3, -1)).toEqual([[1], [3], [2], [4]]);
  });

  it("ties and unties with the card above without moving anything", () => {
    const tied = toggleTieWithAbove(start, 3);
    expect(tied).toEqual([[1], [2, 3], [4]]);
    expect(isTiedWithAbove(tied, 3)).toBe(true);
    expect(rankOf(tied, 3)).toBe(2);
    expect(rankOf(tied, 4)).toBe(3);
    const three = toggleTieWithAbove(tied, 4);
    expect(three).toEqual([[1], [2, 3, 4]]);
    expect(toggleTieWithAbove(three, 3)).toEqual([[1], [2], [3, 4]]);
    expect(toggleTieWithAbove(start, 1)).toEqual(start);
    expect(flatten(three)).toEqual([1, 2, 3, 4]);
  });

  it("drops a dragged card at a flat position, never inside someone else's tie", () => {
    expect(moveToIndex(start, 1, 3)).toEqual([[2], [3], [4], [1]]);
    expect(moveToIndex(start, 4, 0)).toEqual([[4], [1], [2], [3]]);
    const tied = [[1], [2, 3], [4]];
    // 1 dragged down onto the middle of the 2=3 tie lands below it; 4 dragged up lands above it.
    expect(moveToIndex(tied, 1, 1)).toEqual([[2, 3], [1], [4]]);
    expect(moveToIndex(tied, 4, 2)).toEqual([[1], [4], [2, 3]]);
    // Dragging a tied card out leaves it on its own.
    expect(moveToIndex(tied, 3, 0)).toEqual([[3], [1], [2], [4]]);
  });
});
