import type { Server, ServerResponse } from 'node:http';

export const DEFAULT_DRAIN_TIMEOUT_MS = 25_000;

/**
 * Graceful shutdown for a Node HTTP(S) server whose clients keep connections alive (the API server
 * does). `server.close()` alone stops accepting but keeps answering on open connections with
 * `Connection: keep-alive`, and waits for each to time out idle (5 s) or for the client to stop sending.
 * Here, once draining, every response says `Connection: close` (the client reconnects, to another
 * replica), a connection is closed as soon as it is idle, and whatever is still busy at the timeout is
 * cut. Returns a function that starts the drain and resolves, once the server is closed, to the number
 * of connections cut.
 */
export function drainOnClose(server: Server): (timeoutMs: number) => Promise<number> {
  const inFlight = new Set<ServerResponse>();
  let draining = false;
  const closeIdleSoon = () => setImmediate(() => server.closeIdleConnections());
  server.prependListener('request', (_req, res: ServerResponse) => {
    inFlight.add(res);
    if (draining) res.setHeader('Connection', 'close');
    res.once('close', () => {
      inFlight.delete(res);
      if (draining) closeIdleSoon();
    });
  });
  return (timeoutMs) =>
    new Promise<number>((resolve) => {
      draining = true;
      for (const res of inFlight) if (!res.headersSent) res.setHeader('Connection', 'close');
      let cut = 0;
      const timer = setTimeout(() => {
        cut = inFlight.size;
        server.closeAllConnections();
      }, timeoutMs);
      timer.unref();
      server.close(() => {
        clearTimeout(timer);
        resolve(cut);
      });
      server.closeIdleConnections();
    });
}
