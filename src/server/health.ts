import type { Express } from 'express';
import { isZastavaError } from '../model/errors.ts';

/** A readiness probe part: resolves when ready, rejects with the reason otherwise. */
export type ReadinessCheck = () => Promise<void>;

/** Each readiness check gets this long before it counts as failed. */
const CHECK_TIMEOUT_MS = 2000;

/**
 * /healthz: the process answers (liveness; never touches dependencies, so a database outage does not
 * get pods restarted). /readyz: every check passes (SPEC §11: database reachable, informer synced,
 * certificate loaded), else 503 with each check's state.
 */
export function healthRoutes(app: Express, checks: Readonly<Record<string, ReadinessCheck>>): void {
  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/readyz', async (_req, res) => {
    const results = await Promise.all(
      Object.entries(checks).map(async ([name, check]) => [name, await run(check)] as const),
    );
    const failed = results.filter(([, r]) => r !== 'ok');
    const body = Object.fromEntries(results);
    if (failed.length === 0) res.json({ status: 'ready', checks: body });
    else
      res.status(503).json({
        code: 'NOT_READY',
        message: `not ready: ${failed.map(([name]) => name).join(', ')}`,
        checks: body,
      });
  });
}

async function run(check: ReadinessCheck): Promise<string> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      check(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer in ${CHECK_TIMEOUT_MS} ms`)), CHECK_TIMEOUT_MS);
      }),
    ]);
    return 'ok';
  } catch (error) {
    // A code, not the driver's message: probes are often reachable by more people than the logs.
    return isZastavaError(error) ? error.code : 'failed';
  } finally {
    clearTimeout(timer);
  }
}
