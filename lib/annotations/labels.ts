/**
 * The one name of a response, everywhere: its letter by stored position (A is the first
 * response of the prompt as imported). The annotator sees the responses shuffled, but each keeps
 * this letter, so "B is wrong" in a comment means the same B on the researcher's prompt page.
 */
export function responseLabel(positionIndex: number): string {
  if (!Number.isInteger(positionIndex) || positionIndex < 0) throw new RangeError(`No label for ${positionIndex}`);
  // 26 letters, then AA, AB … (a dataset allows up to 32 responses per prompt).
  const letter = (n: number) => String.fromCharCode(65 + n);
  return positionIndex < 26
    ? letter(positionIndex)
    : letter(Math.floor(positionIndex / 26) - 1) + letter(positionIndex % 26);
}

/** Labels for a prompt's responses, keyed by id, from rows in any order. */
export function labelsByResponseId(rows: readonly { id: number; position: number }[]): Map<number, string> {
  const sorted = rows.slice().sort((a, b) => a.position - b.position);
  return new Map(sorted.map((r, i) => [r.id, responseLabel(i)]));
}
