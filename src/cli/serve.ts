import { once } from 'node:events';
import { pino, type Logger } from 'pino';
import { Registry } from 'prom-client';
import { loadServerConfig, SERVER_FLAG_OPTIONS, type ServerConfig } from '../config/server.ts';
import { STORE_FLAGS_USAGE } from '../config/store.ts';
import { createWebhook } from '../admission/wiring/webhook.ts';
import { extractionFlags, EXTRACTION_FLAG_OPTIONS, EXTRACTION_USAGE } from './serve-extraction.ts';
import { DEFAULT_DRAIN_TIMEOUT_MS } from '../server/drain.ts';
import { startServer } from '../server/start.ts';
import { reloadTlsOnChange } from '../server/tls-reload.ts';
import { validateRouter } from '../server/validate.ts';
import type { Server as HttpsServer } from 'node:https';
import { createLogger } from '../telemetry/logger.ts';
import { createMetrics } from '../telemetry/metrics.ts';
import { defineCommand, type ParsedCommand } from './command.ts';
import type { CliContext } from './context.ts';
import { EXIT, usageError } from './errors.ts';

const USAGE = `stella serve [--listen [HOST:]PORT] [--tls-cert PEM --tls-key PEM] [--body-limit 32mb]
  [--auth-issuer ISS --auth-audience AUD (--auth-jwks-url URL | --auth-public-key FILE…)]
  [--auth-algorithms EdDSA,ES256,…] [--allowed-tenant T]… [--no-require-scopes] [--no-migrate]
  [--kubeconfig FILE|in-cluster] [--webhook-timeout SECONDS] [--on-error allow|deny]
  [--no-baseline allow|deny] [--platform OS/ARCH]
  ${EXTRACTION_USAGE}
  ${STORE_FLAGS_USAGE}

Serves POST /validate (the admission webhook; policies from FacetPolicy objects when --kubeconfig is
given, else the defaults), /api/v1 (bearer JWTs; the token's tenant claim scopes every call), /metrics,
/healthz and /readyz. The TLS certificate and key are reloaded when their files change. Migrates the database at start under an advisory lock unless --no-migrate. Stops on SIGTERM
or SIGINT after the requests in flight. With --seal-key (or ZASTAVA_SEAL_KEY), an image without seals is
extracted from its registry and sealed with that key (the tenant's keyring must trust its public key:
stella db keys add); without it, unsealed images get the onError decision.`;

const OPTIONS = {
  ...SERVER_FLAG_OPTIONS,
  kubeconfig: { type: 'string' },
  'webhook-timeout': { type: 'string' },
  'on-error': { type: 'string' },
  'no-baseline': { type: 'string' },
  platform: { type: 'string' },
  ...EXTRACTION_FLAG_OPTIONS,
} as const;

type ServeValues = ParsedCommand<typeof OPTIONS>['values'];

export const serveCommand = defineCommand(
  { name: 'serve', usage: USAGE, options: OPTIONS, positionals: 0 },
  async ({ values }, ctx) => {
    const config = await loadServerConfig(ctx.env, values);
    // Asynchronous log writes: a line per review is not a write(2) on the request's path. The buffer is
    // flushed when the server stops (lines are lost only if the process dies abruptly).
    const destination = pino.destination({ dest: 1, sync: false });
    const logger = createLogger({ level: config.logLevel, destination });
    try {
      return await serve(values, ctx, config, logger);
    } finally {
      destination.flushSync();
    }
  },
);

/** Says at start whether unsealed images are extracted, and whether the default tenant trusts the key. */
async function announceExtraction(
  webhook: ReturnType<typeof createWebhook>,
  tenant: string,
  logger: Logger,
): Promise<void> {
  const extraction = webhook.extraction;
  if (extraction === undefined) {
    logger.warn(
      'extraction on a miss is off (no --seal-key / ZASTAVA_SEAL_KEY): an image without seals gets ' +
        'ADMISSION_IMAGE_UNSEALED and the onError decision; seal images in CI (docs/operators.md)',
    );
    return;
  }
  const keyId = extraction.keyId;
  try {
    if (await extraction.keyTrusted(tenant)) {
      logger.info(
        { keyId, tenant },
        'extraction on a miss is on: unsealed images are sealed with the seal key',
      );
      return;
    }
    logger.warn(
      { keyId, tenant },
      `extraction on a miss is on, but tenant ${tenant} does not trust the seal key ${keyId}: its extractions ` +
        `are refused (ADMISSION_SEAL_KEY_UNTRUSTED) until: stella db keys add SEAL_KEY.pub --tenant ${tenant}`,
    );
  } catch (error) {
    logger.warn({ err: error, keyId, tenant }, 'extraction on a miss: the keyring could not be read');
  }
}

async function serve(
  values: ServeValues,
  ctx: CliContext,
  config: ServerConfig,
  logger: Logger,
): Promise<number> {
  const registry = new Registry();
  const metrics = createMetrics(registry);
  const action = (flag: string, text: string | undefined, fallback: 'allow' | 'deny'): 'allow' | 'deny' => {
    const value = text ?? fallback;
    if (value !== 'allow' && value !== 'deny')
      throw usageError(`stella serve: --${flag} must be allow or deny, not "${value}"`, USAGE);
    return value;
  };
  const defaults = {
    tenant: config.store.tenant,
    onError: action('on-error', values['on-error'] ?? ctx.env.ZASTAVA_ON_ERROR, 'deny'),
    noBaseline: action('no-baseline', values['no-baseline'] ?? ctx.env.ZASTAVA_NO_BASELINE, 'allow'),
  };
  const timeoutSeconds = Number(values['webhook-timeout'] ?? ctx.env.ZASTAVA_WEBHOOK_TIMEOUT ?? '10');
  if (!Number.isInteger(timeoutSeconds) || timeoutSeconds < 2 || timeoutSeconds > 30)
    throw usageError('stella serve: --webhook-timeout is whole seconds from 2 to 30', USAGE);
  const kubeconfig = values.kubeconfig ?? ctx.env.ZASTAVA_KUBECONFIG;
  const extraction = await extractionFlags(values, ctx.env, USAGE);
  // startServer opens the store and the server; the webhook and the certificate reloader need them, so
  // the routes and readiness checks read these late-bound parts.
  const late: {
    webhook?: ReturnType<typeof createWebhook>;
    router?: ReturnType<typeof validateRouter>;
    tls?: ReturnType<typeof reloadTlsOnChange>;
  } = {};
  const running = await startServer(config, {
    logger,
    registry,
    sealTotal: metrics.sealTotal,
    // A review ends by its deadline (under timeoutSeconds); the drain outlasts it.
    drainTimeoutMs: Math.max(DEFAULT_DRAIN_TIMEOUT_MS, timeoutSeconds * 1000 + 1000),
    readiness: {
      certificate: async () => {
        if (config.tls !== undefined) await late.tls?.check();
      },
      informer: async () => {
        await late.webhook?.readiness.informer?.();
      },
    },
    routers: [
      {
        path: '/validate',
        handler: (req, res, next) => {
          if (late.router === undefined) {
            res.status(503).json({ code: 'NOT_READY', message: 'the webhook is starting' });
            return;
          }
          late.router(req, res, next);
        },
      },
    ],
  });
  const webhook = createWebhook({
    store: running.store,
    log: logger,
    metrics,
    databaseUrl: config.store.databaseUrl,
    kubeconfig,
    defaults,
    timeoutSeconds,
    ...(values.platform === undefined ? {} : { platform: values.platform }),
    env: ctx.env,
    ...(extraction === undefined ? {} : { extraction }),
  });
  late.webhook = webhook;
  void announceExtraction(webhook, defaults.tenant, logger);
  late.router = validateRouter({ context: webhook.context });
  if (config.tls !== undefined)
    late.tls = reloadTlsOnChange(running.server as HttpsServer, config.tls, logger);
  const signal = await Promise.race([
    once(process, 'SIGTERM').then(() => 'SIGTERM'),
    once(process, 'SIGINT').then(() => 'SIGINT'),
  ]);
  logger.info({ signal }, 'shutting down: finishing requests in flight');
  late.tls?.close();
  await running.close();
  await webhook.close();
  logger.info('stopped');
  return EXIT.ok;
}
