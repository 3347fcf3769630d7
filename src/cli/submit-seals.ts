import { randomUUID } from 'node:crypto';
import { localActor, storeConfig, type StoreFlags } from '../config/store.ts';
import type { SealSet } from '../model/seal.ts';
import { storeSealSet } from '../store/seal-sets.ts';
import { withStore } from '../store/open.ts';
import type { CliContext } from './context.ts';
import { CliError } from './errors.ts';

/**
 * `stella seal --store`: the seal set goes into the tenant's store in one transaction, refused (nothing
 * stored, an audit row written) when a seal's signature is not from the tenant's keyring.
 */
export async function storeSeals(sealSet: SealSet, flags: StoreFlags, ctx: CliContext): Promise<string> {
  const config = storeConfig(ctx.env, flags);
  const by = { actor: localActor(ctx.env), correlationId: randomUUID() };
  const result = await withStore(config, (store) => storeSealSet(store, config.tenant, sealSet, by));
  return `stored ${result.stored.length} seal(s) of ${sealSet.imageDigest} for tenant ${config.tenant}`;
}

/** `stella seal --server URL --token T`: the same, through `POST /api/v1/seals` of `stella serve`. */
export async function submitSeals(sealSet: SealSet, server: string, token: string): Promise<string> {
  const url = new URL('api/v1/seals', server.endsWith('/') ? server : `${server}/`);
  let response: Response;
  try {
    response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify(sealSet),
      signal: AbortSignal.timeout(60_000),
    });
  } catch (error) {
    throw new CliError('SUBMIT_FAILED', `cannot reach ${url.origin}`, { cause: error });
  }
  const text = await response.text();
  if (!response.ok) {
    let detail = text.slice(0, 500);
    try {
      const body = JSON.parse(text) as { code?: string; message?: string };
      if (body.code) detail = `[${body.code}] ${body.message ?? ''}`;
    } catch {
      // Not JSON: show the start of the body as it is.
    }
    throw new CliError('SUBMIT_FAILED', `${url.href} refused the seals (HTTP ${response.status}): ${detail}`);
  }
  return `submitted the seals of ${sealSet.imageDigest} to ${url.origin} (HTTP ${response.status})`;
}
