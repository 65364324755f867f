/**
 * The bridge's `clientError` handler: what Node does by default (a 400 for
 * a request it cannot parse, then close), except when the client ends the
 * connection in the middle of a body the bridge already answered (a 413
 * sent early; see `discard-rest.ts`). Node's default then destroys the
 * socket, and a reset can reach the client before it has read that answer;
 * a plain close lets it read the answer first.
 */
import type { Duplex } from "node:stream";

const BAD_REQUEST = "HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n";

export function onClientError(error: NodeJS.ErrnoException, socket: Duplex): void {
  if (error.code === "HPE_INVALID_EOF_STATE") return void socket.end();
  if (error.code !== "ECONNRESET" && socket.writable) return void socket.end(BAD_REQUEST);
  socket.destroy();
}
