import pg from 'pg';
import { DECISION_CACHE_CHANNEL, parseCacheInvalidation, type CacheInvalidation } from '../decision-cache.ts';

export interface CacheListenerOptions {
  readonly databaseUrl: string;
  readonly invalidate: (what: CacheInvalidation) => void;
  readonly log?: { warn(fields: object, message: string): void; info(fields: object, message: string): void };
  /** Pause before reconnecting after the connection drops. */
  readonly retryMs?: number;
}

export interface CacheListener {
  /** True while LISTEN is active on a live connection. */
  readonly listening: boolean;
  close(): Promise<void>;
}

/**
 * PostgreSQL LISTEN on {@link DECISION_CACHE_CHANNEL} on a connection of its own, kept open: each payload
 * invalidates the decision and baseline caches. Notifications sent while disconnected are lost, so losing
 * the connection and every (re)connection drop the whole cache (`{kind: 'all'}`); `listening` is false in
 * between (the baseline cache is bypassed then); the caches' TTL bounds the rest.
 */
export function listenForCacheInvalidation(options: CacheListenerOptions): CacheListener {
  const retryMs = options.retryMs ?? 2000;
  let client: pg.Client | undefined;
  let listening = false;
  let closed = false;
  let timer: NodeJS.Timeout | undefined;

  const schedule = () => {
    if (closed || timer !== undefined) return;
    timer = setTimeout(() => {
      timer = undefined;
      void connect();
    }, retryMs);
    timer.unref();
  };

  const connect = async () => {
    const c = new pg.Client({
      connectionString: options.databaseUrl,
      application_name: 'zastava-cache-listener',
    });
    client = c;
    const lost = (err: unknown) => {
      if (client !== c) return;
      const was = listening;
      listening = false;
      client = undefined;
      if (!closed) options.log?.warn({ err }, 'decision cache listener lost its connection; reconnecting');
      // What arrives from now on is lost: nothing cached so far can be trusted to be invalidated.
      if (was && !closed) options.invalidate({ kind: 'all' });
      void c.end().catch(() => {});
      schedule();
    };
    c.on('error', lost);
    c.on('end', () => lost(new Error('connection ended')));
    c.on('notification', (message) => {
      if (message.channel === DECISION_CACHE_CHANNEL)
        options.invalidate(parseCacheInvalidation(message.payload ?? ''));
    });
    try {
      await c.connect();
      await c.query(`LISTEN ${DECISION_CACHE_CHANNEL}`);
      if (closed || client !== c) return;
      options.invalidate({ kind: 'all' });
      listening = true;
    } catch (err) {
      lost(err);
    }
  };
  void connect();

  return {
    get listening() {
      return listening;
    },
    async close() {
      closed = true;
      clearTimeout(timer);
      const c = client;
      client = undefined;
      listening = false;
      await c?.end().catch(() => {});
    },
  };
}
