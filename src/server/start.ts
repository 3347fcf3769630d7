import { readFile } from 'node:fs/promises';
import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { ServerConfig } from '../config/server.ts';
import { openStore, type OpenedStore } from '../store/open.ts';
import { createApp, type AppOptions } from './app.ts';
import { jwtVerifier } from './auth.ts';
import { DEFAULT_DRAIN_TIMEOUT_MS, drainOnClose } from './drain.ts';

export interface StartOptions {
  readonly logger: Logger;
  readonly registry: Registry;
  /** The webhook's routes and readiness checks, when it is served from the same process. */
  readonly routers?: AppOptions['routers'];
  readonly readiness?: AppOptions['readiness'];
  readonly sealTotal?: AppOptions['sealTotal'];
  /** An already open store (tests); otherwise opened from the configuration, migrations first. */
  readonly store?: OpenedStore;
  /**
   * How long `close` lets requests in flight finish before it cuts their connections (default 25 s,
   * inside Kubernetes' default 30 s termination grace period).
   */
  readonly drainTimeoutMs?: number;
}

export interface RunningServer {
  readonly server: Server;
  readonly url: string;
  readonly store: OpenedStore;
  /**
   * Drains: stops accepting connections, answers the requests in flight (and any that arrive on open
   * keep-alive connections meanwhile) with `Connection: close`, closes idle connections at once, cuts
   * what is left after the drain timeout, then closes the store.
   */
  close(): Promise<void>;
}

/**
 * `stella serve`: open the store (migrating under the advisory lock unless told not to), build the app,
 * listen over HTTP, or HTTPS with TLS 1.2 at least when a certificate is configured.
 */
export async function startServer(config: ServerConfig, options: StartOptions): Promise<RunningServer> {
  const store =
    options.store ??
    (await openStore(config.store, {
      migrate: config.migrateOnStart,
      onPoolError: (err) => options.logger.warn({ err }, 'idle database connection failed'),
    }));
  try {
    if (store.migration !== undefined && store.migration.applied.length > 0)
      options.logger.info({ applied: store.migration.applied.map((m) => m.version) }, 'database migrated');
    const verifier = config.auth === undefined ? undefined : await jwtVerifier(config.auth);
    if (verifier === undefined) options.logger.warn('no token issuer configured: /api/v1 refuses every call');
    const app = createApp({
      store,
      logger: options.logger,
      registry: options.registry,
      verifier,
      requireScopes: config.auth?.requireScopes ?? true,
      allowedTenants: config.allowedTenants,
      bodyLimitBytes: config.bodyLimitBytes,
      sealTotal: options.sealTotal,
      ...(options.readiness === undefined ? {} : { readiness: options.readiness }),
      ...(options.routers === undefined ? {} : { routers: options.routers }),
    });
    const server =
      config.tls === undefined
        ? createHttpServer(app)
        : createHttpsServer(
            {
              cert: await readFile(config.tls.certFile),
              key: await readFile(config.tls.keyFile),
              minVersion: 'TLSv1.2',
            },
            app,
          );
    server.headersTimeout = 30_000;
    server.requestTimeout = 120_000;
    const drain = drainOnClose(server);
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(config.port, config.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    const address = server.address() as AddressInfo;
    const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
    const url = `${config.tls === undefined ? 'http' : 'https'}://${host}:${address.port}`;
    options.logger.info({ url, tenantScoped: true, tls: config.tls !== undefined }, 'serving');
    let closing: Promise<void> | undefined;
    return {
      server,
      url,
      store,
      close: () =>
        (closing ??= (async () => {
          const cut = await drain(options.drainTimeoutMs ?? DEFAULT_DRAIN_TIMEOUT_MS);
          if (cut > 0)
            options.logger.warn(
              { connections: cut },
              'drain timeout: connections with requests in flight cut',
            );
          if (options.store === undefined) await store.close();
        })()),
    };
  } catch (error) {
    if (options.store === undefined) await store.close();
    throw error;
  }
}
