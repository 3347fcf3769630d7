import { once } from 'node:events';
import { Registry } from 'prom-client';
import { loadServerConfig, SERVER_FLAG_OPTIONS } from '../config/server.ts';
import { STORE_FLAGS_USAGE } from '../config/store.ts';
import { startServer } from '../server/start.ts';
import { createLogger } from '../telemetry/logger.ts';
import { createMetrics } from '../telemetry/metrics.ts';
import { parseFlags } from './args.ts';
import { print, type Command } from './context.ts';
import { EXIT, usageError } from './errors.ts';

const USAGE = `stella serve [--listen [HOST:]PORT] [--tls-cert PEM --tls-key PEM] [--body-limit 32mb]
  [--auth-issuer ISS --auth-audience AUD (--auth-jwks-url URL | --auth-public-key FILE…)]
  [--auth-algorithms EdDSA,ES256,…] [--allowed-tenant T]… [--no-require-scopes] [--no-migrate]
  ${STORE_FLAGS_USAGE}

Serves /api/v1 (bearer JWTs; the token's tenant claim scopes every call), /metrics, /healthz and
/readyz. Migrates the database at start under an advisory lock unless --no-migrate. Stops on SIGTERM
or SIGINT after the requests in flight.`;

export const serveCommand: Command = async (args, ctx) => {
  const { values, positionals } = parseFlags(
    'serve',
    args,
    { ...SERVER_FLAG_OPTIONS, help: { type: 'boolean' } },
    USAGE,
  );
  if (values.help) {
    print(ctx.stdout, USAGE);
    return EXIT.ok;
  }
  if (positionals.length > 0)
    throw usageError(`stella serve: unexpected argument "${positionals[0]}"`, USAGE);
  const config = await loadServerConfig(ctx.env, values);
  const logger = createLogger({ level: config.logLevel });
  const registry = new Registry();
  createMetrics(registry);
  const running = await startServer(config, { logger, registry });
  const signal = await Promise.race([once(process, 'SIGTERM'), once(process, 'SIGINT')]).then(() => 'signal');
  logger.info({ signal }, 'shutting down: finishing requests in flight');
  await running.close();
  return EXIT.ok;
};
