/*
 * Preloaded into `next start` by scripts/start.ts (node --require). Next fills X-Forwarded-For
 * from the socket only when the client did not send one, so a client can claim any address.
 * This stamps every request with the socket's own address before Next sees it (overwriting any
 * header of that name a client sent); lib/client-address.ts decides how far X-Forwarded-For is
 * trusted on top of it.
 */
const http = require("node:http");

const PEER_HEADER = "x-octorank-peer";
const emit = http.Server.prototype.emit;

http.Server.prototype.emit = function emitWithPeer(event, request, ...rest) {
  if (event === "request" && request && request.headers) {
    request.headers[PEER_HEADER] = request.socket?.remoteAddress ?? "";
  }
  return emit.call(this, event, request, ...rest);
};
