import { join } from 'node:path';
import { z } from 'zod';
import { DEFAULT_TENANT, Tenant } from '../model/tenant.ts';
import { ConfigError } from './errors.ts';
import { dataDir } from './paths.ts';

type Env = Readonly<Record<string, string | undefined>>;

export const CasConfig = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('postgres') }),
  z.strictObject({ kind: z.literal('file'), dir: z.string().min(1) }),
]);
export type CasConfig = z.infer<typeof CasConfig>;

export const StoreConfig = z.strictObject({
  /** A PostgreSQL URL; absent: the embedded PGlite database under `pgliteDir` (SPEC §8). */
  databaseUrl: z.string().min(1).optional(),
  /** Tables in this schema instead of the connection's default `search_path`. */
  schema: z
    .string()
    .regex(/^[a-z_][a-z0-9_]{0,62}$/, 'a schema is a lower-case SQL identifier')
    .optional(),
  pgliteDir: z.string().min(1),
  cas: CasConfig,
  tenant: Tenant,
});
export type StoreConfig = Readonly<z.infer<typeof StoreConfig>>;

/** The store flags every command that touches the store accepts. */
export interface StoreFlags {
  readonly 'database-url'?: string | undefined;
  readonly 'database-schema'?: string | undefined;
  readonly tenant?: string | undefined;
  readonly cas?: string | undefined;
}

export const STORE_FLAG_OPTIONS = {
  'database-url': { type: 'string' },
  'database-schema': { type: 'string' },
  tenant: { type: 'string' },
  cas: { type: 'string' },
} as const;

export const STORE_FLAGS_USAGE =
  '[--database-url URL] [--database-schema S] [--tenant T] [--cas postgres|file[:DIR]]';

/**
 * Where the store is, from flags, then the environment (`DATABASE_URL`, `ZASTAVA_DATABASE_SCHEMA`,
 * `ZASTAVA_TENANT`, `ZASTAVA_CAS`), then the defaults: the embedded database under the data directory,
 * manifests in the database, tenant `default`. Validated once and frozen.
 */
export function storeConfig(env: Env, flags: StoreFlags = {}): StoreConfig {
  const data = dataDir(env);
  const casText = flags.cas ?? env.ZASTAVA_CAS ?? 'postgres';
  const cas =
    casText === 'postgres'
      ? { kind: 'postgres' }
      : casText === 'file'
        ? { kind: 'file', dir: join(data, 'cas') }
        : casText.startsWith('file:')
          ? { kind: 'file', dir: casText.slice('file:'.length) }
          : { kind: casText };
  const raw = {
    databaseUrl: nonEmpty(flags['database-url'] ?? env.DATABASE_URL),
    schema: nonEmpty(flags['database-schema'] ?? env.ZASTAVA_DATABASE_SCHEMA),
    pgliteDir: join(data, 'pglite'),
    cas,
    tenant: flags.tenant ?? nonEmpty(env.ZASTAVA_TENANT) ?? DEFAULT_TENANT,
  };
  return Object.freeze(parseConfig(StoreConfig, raw, 'store configuration'));
}

export function parseConfig<T>(schema: z.ZodType<T>, raw: unknown, what: string): T {
  const parsed = schema.safeParse(raw);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  throw new ConfigError(
    'CONFIG_INVALID',
    `${what}: ${issue?.path.join('.') || '?'}: ${issue?.message ?? 'invalid'}`,
    {
      cause: parsed.error,
    },
  );
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}

/** Who a CLI user is in the audit log: `ZASTAVA_ACTOR`, else the login name. */
export function localActor(env: Env): string {
  return nonEmpty(env.ZASTAVA_ACTOR) ?? nonEmpty(env.USER) ?? nonEmpty(env.LOGNAME) ?? 'unknown';
}
