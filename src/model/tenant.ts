import { z } from 'zod';

/**
 * A tenant name: what scopes every stored row and every API call (SPEC §8, §14). Restricted to a safe
 * alphabet because it also names a directory of the file CAS and appears in log lines.
 */
export const Tenant = z
  .string()
  .regex(
    /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/,
    'a tenant is 1–128 characters of letters, digits, ".", "_" and "-", starting with a letter or digit',
  )
  .brand<'Tenant'>();
export type Tenant = z.infer<typeof Tenant>;

export const DEFAULT_TENANT = 'default' as Tenant;
