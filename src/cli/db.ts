import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { localActor, STORE_FLAG_OPTIONS, STORE_FLAGS_USAGE, storeConfig } from '../config/store.ts';
import { migrationStatus } from '../store/migrate.ts';
import { withStore } from '../store/open.ts';
import { addTrustedKey, listTrustedKeys, setTrustedKeyStatus } from '../store/trusted-keys.ts';
import { defineCommand } from './command.ts';
import { print, type CliContext } from './context.ts';
import { CliError, EXIT, usageError } from './errors.ts';

const USAGE = `stella db migrate ${STORE_FLAGS_USAGE}
stella db status ${STORE_FLAGS_USAGE}
stella db keys add PUBLIC_KEY_FILE [--status active|archived] [--not-before T] [--not-after T] ${STORE_FLAGS_USAGE}
stella db keys archive KEY_ID [--not-after T] ${STORE_FLAGS_USAGE}
stella db keys list [--format table|json] ${STORE_FLAGS_USAGE}`;

/**
 * `stella db`: the store's schema (SPEC §8: numbered migrations under an advisory lock) and the
 * tenant's keyring, whose keys decide which seals and VEX documents the store accepts.
 */
export const dbCommand = defineCommand(
  {
    name: 'db',
    usage: USAGE,
    options: {
      ...STORE_FLAG_OPTIONS,
      status: { type: 'string' },
      'not-before': { type: 'string' },
      'not-after': { type: 'string' },
      format: { type: 'string', default: 'table' },
    },
  },
  async ({ values, positionals }, ctx) => {
    const config = storeConfig(ctx.env, values);
    const [sub, ...rest] = positionals;
    switch (sub) {
      case 'migrate':
        expectArgs(rest, 0);
        return withStore(config, (store) => {
          const applied = store.migration?.applied ?? [];
          print(
            ctx.stdout,
            applied.length === 0
              ? `database up to date (${describeDb(config.databaseUrl, config.pgliteDir)})`
              : applied.map((m) => `applied ${String(m.version).padStart(4, '0')}_${m.name}`).join('\n'),
          );
          return Promise.resolve(EXIT.ok);
        });
      case 'status':
        expectArgs(rest, 0);
        return withStore(
          config,
          async (store) => {
            const status = await migrationStatus(store.db);
            print(ctx.stdout, `database: ${describeDb(config.databaseUrl, config.pgliteDir)}`);
            print(ctx.stdout, `applied: ${status.applied.join(', ') || 'none'}`);
            print(
              ctx.stdout,
              `pending: ${status.pending.map((m) => `${String(m.version).padStart(4, '0')}_${m.name}`).join(', ') || 'none'}`,
            );
            return status.pending.length === 0 ? EXIT.ok : EXIT.error;
          },
          { migrate: false },
        );
      case 'keys':
        return keys(rest, values, config, ctx);
      default:
        throw usageError(`stella db: unknown subcommand "${sub ?? ''}"`, USAGE);
    }
  },
);

async function keys(
  args: string[],
  values: {
    status?: string | undefined;
    'not-before'?: string | undefined;
    'not-after'?: string | undefined;
    format?: string | undefined;
  },
  config: ReturnType<typeof storeConfig>,
  ctx: CliContext,
): Promise<number> {
  const [action, ...rest] = args;
  const by = { actor: localActor(ctx.env), correlationId: randomUUID() };
  const status = values.status ?? 'active';
  if (status !== 'active' && status !== 'archived')
    throw usageError(`stella db keys: unknown --status "${status}"`, USAGE);
  switch (action) {
    case 'add': {
      expectArgs(rest, 1);
      const file = rest[0]!;
      let text: string;
      try {
        text = await readFile(file, 'utf8');
      } catch (cause) {
        throw new CliError('INPUT_UNREADABLE', `cannot read public key file ${file}`, { cause });
      }
      return withStore(config, async (store) => {
        const key = await addTrustedKey(
          store.db,
          config.tenant,
          { publicKey: text, status, notBefore: values['not-before'], notAfter: values['not-after'] },
          by,
        );
        print(ctx.stdout, `trusted ${key.keyId} (${key.status}) for tenant ${config.tenant}`);
        return EXIT.ok;
      });
    }
    case 'archive': {
      expectArgs(rest, 1);
      return withStore(config, async (store) => {
        const key = await setTrustedKeyStatus(
          store.db,
          config.tenant,
          rest[0]!,
          { status: 'archived', notAfter: values['not-after'] },
          by,
        );
        print(
          ctx.stdout,
          `archived ${key.keyId}${key.notAfter === null ? '' : ` (valid until ${key.notAfter})`}`,
        );
        return EXIT.ok;
      });
    }
    case 'list': {
      expectArgs(rest, 0);
      return withStore(config, async (store) => {
        const keys = await listTrustedKeys(store.db, config.tenant);
        if (values.format === 'json') print(ctx.stdout, JSON.stringify({ keys }, null, 2));
        else if (keys.length === 0) print(ctx.stdout, `tenant ${config.tenant} trusts no keys`);
        else
          for (const k of keys)
            print(
              ctx.stdout,
              `${k.keyId}  ${k.status.padEnd(8)}  ${k.notBefore ?? '-'} .. ${k.notAfter ?? '-'}  added by ${k.addedBy}`,
            );
        return EXIT.ok;
      });
    }
    default:
      throw usageError(`stella db keys: unknown action "${action ?? ''}"`, USAGE);
  }
}

function expectArgs(rest: string[], count: number): void {
  if (rest.length !== count)
    throw usageError(
      `stella db: expected ${count} argument${count === 1 ? '' : 's'}, got ${rest.length}`,
      USAGE,
    );
}

/** The database named without its password. */
export function describeDb(url: string | undefined, pgliteDir: string): string {
  if (url === undefined) return `embedded, ${pgliteDir}`;
  try {
    const parsed = new URL(url);
    parsed.password = '';
    return parsed.toString();
  } catch {
    return 'PostgreSQL';
  }
}
