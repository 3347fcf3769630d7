import { z } from 'zod';
import type { Tenant } from '../../model/tenant.ts';
import { parseRow } from '../rows.ts';
import type { CasBackend } from './cas.ts';

const ManifestRow = z.object({ cas_key: z.string(), content: z.instanceof(Uint8Array) });

/** The CAS in the `facet_manifests` table, tenant-scoped by row-level security like every other table. */
export function postgresCas(): CasBackend {
  return {
    kind: 'postgres',
    async put(sql, tenant: Tenant, key, compressed) {
      await sql.query(
        `INSERT INTO facet_manifests (tenant, cas_key, encoding, content) VALUES ($1, $2, 'zstd', $3)
         ON CONFLICT (tenant, cas_key) DO NOTHING`,
        [tenant, key, compressed],
      );
    },
    async get(sql, tenant: Tenant, keys) {
      const rows = await sql.query(
        'SELECT cas_key, content FROM facet_manifests WHERE tenant = $1 AND cas_key = ANY($2::text[])',
        [tenant, keys],
      );
      return new Map(
        rows.map((r) => parseRow(ManifestRow, r, 'facet_manifests')).map((r) => [r.cas_key, r.content]),
      );
    },
  };
}
