/**
 * The one error type lib/ throws for a request it refuses. The kind says what went wrong in the
 * caller's terms; lib/http/route.ts turns it into a status, a server action shows its message,
 * the CLI prints it. Anything else thrown is a bug, logged and answered 500.
 */
export type ErrorKind =
  | "invalid"
  | "unauthenticated"
  | "forbidden"
  | "not-found"
  | "conflict"
  | "too-large"
  | "unsupported-media-type"
  | "too-many-requests"
  | "timeout";

export class AppError extends Error {
  constructor(
    readonly kind: ErrorKind,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = new.target.name;
  }
}
