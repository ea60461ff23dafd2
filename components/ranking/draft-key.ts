/**
 * Where a board's unsubmitted work is kept in this browser's localStorage until it is submitted,
 * skipped or discarded (docs/quality.md says why the browser and not the server). One key per
 * annotator and prompt (or annotation, for an edit), so a shared computer does not hand one
 * person's draft to another. Apart from the hooks so that server components can name a key.
 */
export function draftKey(userId: number, target: { promptId: number } | { annotationId: number }): string {
  return `octorank:draft:${userId}:${"annotationId" in target ? `annotation-${target.annotationId}` : `prompt-${target.promptId}`}`;
}
