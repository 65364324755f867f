/**
 * After an early answer (413, 401 …) the client may still be sending its
 * body. Closing the socket then makes the kernel reset the connection, and
 * the client sees EPIPE or ECONNRESET instead of the answer. So, as nginx's
 * lingering close does, the rest of the body is read and dropped (memory
 * stays flat), and the connection is closed only once the body has ended.
 * A client still sending after `lingerMs` gets a FIN; what it sends after
 * that is still dropped, not answered with a reset, until Node's own
 * `requestTimeout` (300 s) ends the connection.
 */
import type { IncomingMessage, ServerResponse } from "node:http";

/** How long a client may go on sending a body that was already answered before it is told the connection ends. */
export const LINGER_MS = 10_000;

/** Call before the answer is written: it keeps Node from closing the socket as soon as that answer is out. */
export function discardRest(req: IncomingMessage, res: ServerResponse, lingerMs = LINGER_MS): void {
  if (req.complete || req.destroyed) return;
  const closeAfter = !res.shouldKeepAlive;
  // Node destroys a socket that will not be kept alive right after the answer: the reset this file avoids.
  res.shouldKeepAlive = true;
  req.removeAllListeners("data");
  req.resume();
  const timer = setTimeout(() => req.socket.end(), lingerMs);
  timer.unref();
  req.once("end", () => {
    clearTimeout(timer);
    if (closeAfter) req.socket.end();
  });
  req.once("close", () => clearTimeout(timer));
}
