import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Tenant } from '../../src/model/tenant.ts';
import { approveBaseline } from '../../src/store/baselines.ts';
import type { Sql } from '../../src/store/db.ts';
import { toStoreError } from '../../src/store/db-errors.ts';
import { recordDrift } from '../../src/store/drift-history.ts';
import { loadMigrations, migrate } from '../../src/store/migrate.ts';
import { storeSealSet } from '../../src/store/seal-sets.ts';
import { addTrustedKey } from '../../src/store/trusted-keys.ts';
import { submitVex } from '../../src/store/vex.ts';
import { driftsBetween, signedSealSet, signedVex, testKey } from './store-fixtures.ts';
import { BACKENDS, openTestStore, type TestStore } from './store-harness.ts';

const A = Tenant.parse('tenant-a');
const B = Tenant.parse('tenant-b');
const by = { actor: 'tester', correlationId: 'corr-schema' };

/** Tables whose rows are append-only (SPEC §8), plus the CAS. */
const IMMUTABLE = [
  'facet_seals',
  'facet_seal_approvals',
  'facet_vex_statements',
  'facet_drift_history',
  'facet_audit_log',
  'facet_manifests',
];
const TENANT_TABLES = [...IMMUTABLE, 'facet_trusted_keys'];

describe.each(BACKENDS)('store schema on %s', (backend) => {
  let store: TestStore;

  /** Two tenants with a row in every table. */
  beforeAll(async () => {
    store = await openTestStore(backend);
    for (const tenant of [A, B]) {
      const key = testKey();
      await addTrustedKey(store.db, tenant, { publicKey: key.publicPem }, by);
      const v1 = await signedSealSet(key, { imageRef: `registry.test/${tenant}/app:1` });
      const v2 = await signedSealSet(key, { imageRef: `registry.test/${tenant}/app:2` });
      await storeSealSet(store, tenant, v1, by);
      await storeSealSet(store, tenant, v2, by);
      await approveBaseline(
        store,
        tenant,
        { repository: `registry.test/${tenant}/app`, imageDigest: v1.imageDigest },
        by,
      );
      await recordDrift(store, tenant, driftsBetween(v1, v2), by);
      const vex = await signedVex(key, v2.imageDigest, 'os');
      await submitVex(store, tenant, { imageDigest: v2.imageDigest, facetId: 'os', ...vex }, by);
    }
  });
  afterAll(async () => store?.close());

  it("creates the seed's facet_seals and facet_drift_history columns exactly, plus config_digest", async () => {
    const columns = async (table: string) =>
      store.db.asOwner(async (sql) =>
        (
          await sql.query(
            `SELECT column_name, data_type, is_nullable FROM information_schema.columns
             WHERE table_schema = current_schema() AND table_name = $1 ORDER BY ordinal_position`,
            [table],
          )
        ).map(
          (r) =>
            `${String(r.column_name)} ${String(r.data_type)}${r.is_nullable === 'NO' ? ' not null' : ''}`,
        ),
      );
    expect(await columns('facet_seals')).toEqual([
      'seal_id uuid not null',
      'tenant text not null',
      'image_ref text not null',
      'image_digest text not null',
      'facet_id text not null',
      'facet_type text not null',
      'merkle_root text not null',
      'file_count integer not null',
      'total_bytes bigint not null',
      'sealed_at timestamp with time zone not null',
      'sealed_by text not null',
      'quota_json jsonb',
      'manifest_cas text not null',
      'dsse_envelope jsonb not null',
      'created_at timestamp with time zone not null',
      'config_digest text not null',
      'root_envelope jsonb',
      'facet_definitions_digest text',
      'facet_position integer not null',
    ]);
    expect(await columns('facet_drift_history')).toEqual([
      'drift_id uuid not null',
      'tenant text not null',
      'baseline_seal_id uuid not null',
      'current_seal_id uuid not null',
      'facet_id text not null',
      'drift_score_json jsonb not null',
      'quota_verdict_json jsonb not null',
      'computed_at timestamp with time zone not null',
    ]);
    const indexes = await store.db.asOwner(async (sql) =>
      (await sql.query(`SELECT indexname FROM pg_indexes WHERE schemaname = current_schema()`)).map((r) =>
        String(r.indexname),
      ),
    );
    expect(indexes).toEqual(
      expect.arrayContaining([
        'uq_facet_seal',
        'ix_facet_seals_image',
        'ix_facet_seals_merkle',
        'ix_facet_seals_config',
        'uq_drift_pair',
      ]),
    );
  });

  it('applies nothing when migrated again', async () => {
    const again = await migrate(store.db);
    expect(again.applied).toEqual([]);
    expect(again.current).toEqual((await loadMigrations()).map((m) => m.version));
    expect(again.current.slice(0, 5)).toEqual([1, 2, 3, 4, 5]);
  });

  it('runs tenant transactions as a role that is neither superuser nor owner, with FORCE RLS on every table', async () => {
    const facts = await store.db.withTenant(A, async (sql) => {
      const [who] = await sql.query(
        `SELECT current_user AS name, r.rolsuper, r.rolbypassrls FROM pg_roles r WHERE r.rolname = current_user`,
      );
      const tables = await sql.query(
        `SELECT c.relname, pg_get_userbyid(c.relowner) AS owner, c.relrowsecurity, c.relforcerowsecurity
         FROM pg_class c WHERE c.relnamespace = current_schema()::regnamespace AND c.relkind = 'r'
           AND c.relname = ANY($1::text[])`,
        [TENANT_TABLES],
      );
      return { who, tables };
    });
    expect(facts.who).toEqual({ name: 'zastava_app', rolsuper: false, rolbypassrls: false });
    expect(facts.tables).toHaveLength(TENANT_TABLES.length);
    for (const t of facts.tables) {
      expect(t.owner).not.toBe('zastava_app');
      expect(t.relrowsecurity).toBe(true);
      expect(t.relforcerowsecurity).toBe(true);
    }
  });

  it.each(TENANT_TABLES)(
    'row-level security: a query on %s without a tenant filter sees only its tenant',
    async (table) => {
      const seen = await store.db.withTenant(A, async (sql) =>
        (await sql.query(`SELECT DISTINCT tenant FROM ${table}`)).map((r) => r.tenant),
      );
      expect(seen).toEqual([A]);
      // As owner (a superuser here) both tenants are there: the filter above is RLS, not missing data.
      const all = await store.db.asOwner(async (sql) =>
        (await sql.query(`SELECT DISTINCT tenant FROM ${table} ORDER BY tenant`)).map((r) => r.tenant),
      );
      expect(all).toEqual([A, B]);
    },
  );

  it('row-level security: the application role with no tenant set sees nothing', async () => {
    const count = await store.db.asOwner(async (sql) => {
      await sql.exec('SET LOCAL ROLE zastava_app');
      return (await sql.query('SELECT count(*)::int AS n FROM facet_seals'))[0]?.n;
    });
    expect(count).toBe(0);
  });

  it("row-level security: writing another tenant's row is refused", async () => {
    const error = await failure(
      store.db.withTenant(A, (sql) =>
        sql.query(
          `INSERT INTO facet_audit_log (audit_id, tenant, action, actor, correlation_id) VALUES (gen_random_uuid(), $1, 'x', 'x', 'x')`,
          [B],
        ),
      ),
    );
    expect(error.code).toBe('TENANT_VIOLATION');
  });

  describe.each(IMMUTABLE)('%s is append-only', (table) => {
    const attempt = (statement: string) => async (sql: Sql) => {
      await sql.exec(statement);
    };

    it('UPDATE fails for the owner (trigger) and for the application role (no grant)', async () => {
      const column = table === 'facet_manifests' ? 'cas_key' : 'tenant';
      expect(
        (await failure(store.db.asOwner(attempt(`UPDATE ${table} SET ${column} = ${column}`)))).code,
      ).toBe('ROW_IMMUTABLE');
      expect(
        (await failure(store.db.withTenant(A, attempt(`UPDATE ${table} SET ${column} = ${column}`)))).code,
      ).toBe('DB_PERMISSION_DENIED');
    });

    it('DELETE fails for the owner (trigger) and for the application role (no grant)', async () => {
      expect((await failure(store.db.asOwner(attempt(`DELETE FROM ${table}`)))).code).toBe('ROW_IMMUTABLE');
      expect((await failure(store.db.withTenant(A, attempt(`DELETE FROM ${table}`)))).code).toBe(
        'DB_PERMISSION_DENIED',
      );
    });

    it('TRUNCATE fails for the owner', async () => {
      const statement = table === 'facet_seals' ? `TRUNCATE ${table} CASCADE` : `TRUNCATE ${table}`;
      expect((await failure(store.db.asOwner(attempt(statement)))).code).toBe('ROW_IMMUTABLE');
    });

    it('rows are still there', async () => {
      const n = await store.db.withTenant(
        A,
        async (sql) => (await sql.query(`SELECT count(*)::int AS n FROM ${table}`))[0]?.n,
      );
      expect(n).toBeGreaterThan(0);
    });
  });
});

async function failure(promise: Promise<unknown>): Promise<{ code: string }> {
  try {
    await promise;
  } catch (error) {
    return toStoreError(error, 'test');
  }
  throw new Error('expected the operation to fail');
}
