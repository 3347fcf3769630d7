import type { Router } from 'express';
import { z } from 'zod';
import { KeyStatus } from '../../model/store.ts';
import { addTrustedKey, listTrustedKeys, setTrustedKeyStatus } from '../../store/trusted-keys.ts';
import { actorOf, parseBody, principalOf, requireScope } from '../http.ts';
import { SCOPES, type ApiDeps } from './deps.ts';

const KeyBody = z.strictObject({
  publicKey: z.string().min(1).max(16_384),
  status: KeyStatus.optional(),
  notBefore: z.string().optional(),
  notAfter: z.string().optional(),
});
const ArchiveBody = z.strictObject({ notAfter: z.string().optional() });

/** The tenant's keyring (SPEC §7 rotation): who may sign the seals and VEX documents it accepts. */
export function keyRoutes(router: Router, deps: ApiDeps): void {
  const { store, requireScopes } = deps;

  router.get('/keys', requireScope(SCOPES.keysAdmin, requireScopes), async (_req, res) => {
    res.json({ keys: await listTrustedKeys(store.db, principalOf(res).tenant) });
  });

  router.post('/keys', requireScope(SCOPES.keysAdmin, requireScopes), async (req, res) => {
    const body = parseBody(KeyBody, req);
    res.status(201).json(await addTrustedKey(store.db, principalOf(res).tenant, body, actorOf(res)));
  });

  router.post('/keys/:keyId/archive', requireScope(SCOPES.keysAdmin, requireScopes), async (req, res) => {
    const body = parseBody(ArchiveBody, req);
    const key = await setTrustedKeyStatus(
      store.db,
      principalOf(res).tenant,
      String(req.params.keyId),
      { status: 'archived', notAfter: body.notAfter },
      actorOf(res),
    );
    res.json(key);
  });
}
