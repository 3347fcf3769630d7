import { randomUUID } from 'node:crypto';
import { localActor, storeConfig, type StoreFlags } from '../config/store.ts';
import { loadStoredSide } from '../drift/stored-input.ts';
import type { LoadedSide } from '../drift/input.ts';
import type { DriftReport } from '../model/drift.ts';
import { recordDrift } from '../store/drift-history.ts';
import { openStore, type OpenedStore } from '../store/open.ts';
import { readTrustedKeys, trustStoreOf } from '../store/trusted-keys.ts';
import type { CliContext } from './context.ts';

export interface StoredInputs {
  load(text: string): Promise<LoadedSide>;
  /** Writes the report's facet drifts to the drift history, with an audit row. */
  record(report: DriftReport): Promise<void>;
  close(): Promise<void>;
}

/**
 * `stored:`/`baseline:` drift inputs. The store opens on first use only, so `stella drift` of two images
 * never touches a database; seals read from it are verified against the tenant's keyring.
 */
export function storedInputs(flags: StoreFlags, ctx: CliContext): StoredInputs {
  const config = storeConfig(ctx.env, flags);
  let opened: Promise<OpenedStore> | undefined;
  const store = (): Promise<OpenedStore> => (opened ??= openStore(config));
  return {
    async load(text) {
      const s = await store();
      const keys = await s.db.withTenant(config.tenant, (sql) => readTrustedKeys(sql, config.tenant));
      return loadStoredSide(text, s, config.tenant, trustStoreOf(keys));
    },
    async record(report) {
      const s = await store();
      await recordDrift(
        s,
        config.tenant,
        report.facets,
        { actor: localActor(ctx.env), correlationId: randomUUID() },
        {
          baseline: report.baseline.imageDigest,
          current: report.current.imageDigest,
          decision: report.decision,
        },
      );
    },
    async close() {
      if (opened !== undefined) await (await opened).close();
    },
  };
}
