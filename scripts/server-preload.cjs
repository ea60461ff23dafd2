/*
 * Preloaded into `next start` by scripts/start.ts (node --require), to see each request before
 * Next does:
 * - Next fills X-Forwarded-For from the socket only when the client did not send one, so a client
 *   can claim any address. Every request is stamped with the socket's own address (overwriting
 *   any header of that name a client sent); lib/auth/client-address.ts decides how far
 *   X-Forwarded-For is trusted on top of it.
 * - Next decodes a dynamic path segment with decodeURIComponent before the proxy runs, and answers
 *   a malformed escape (`/runs/%ZZ`) with a bare 500 without the security headers. Such a path is
 *   the client's error: answered here with 400 and the headers.
 */
const http = require("node:http");
const { securityHeaders } = require("../lib/http/security-headers.cjs");

const PEER_HEADER = "x-octorank-peer";
const emit = http.Server.prototype.emit;

function decodablePath(url) {
  try {
    decodeURIComponent((url ?? "/").split("?")[0]);
    return true;
  } catch {
    return false;
  }
}

http.Server.prototype.emit = function emitGuarded(event, request, response, ...rest) {
  if (event === "request" && request && request.headers) {
    request.headers[PEER_HEADER] = request.socket?.remoteAddress ?? "";
    if (!decodablePath(request.url)) {
      for (const { key, value } of securityHeaders) response.setHeader(key, value);
      response.writeHead(400, { "Content-Type": "application/json", "Cache-Control": "no-store" });
      response.end(JSON.stringify({ error: "The address has a malformed %-escape." }));
      return true;
    }
  }
  return emit.call(this, event, request, response, ...rest);
};
