import type { OpenImageOptions } from '../image/index.ts';
import type { CliContext } from './context.ts';
import { usageError } from './errors.ts';

/** The flags every command that reads an image accepts (SPEC §3), shared so they read the same. */
export const IMAGE_FLAGS = {
  platform: { type: 'string' },
  creds: { type: 'string' },
  authfile: { type: 'string' },
  'insecure-registry': { type: 'string', multiple: true },
  'ca-file': { type: 'string' },
} as const;

export const IMAGE_FLAGS_USAGE =
  '[--platform OS/ARCH[/VARIANT]] [--creds USER:PASS] [--authfile FILE] [--insecure-registry HOST]… [--ca-file PEM]';

export function imageOptions(
  values: {
    platform?: string | undefined;
    creds?: string | undefined;
    authfile?: string | undefined;
    'insecure-registry'?: string[] | undefined;
    'ca-file'?: string | undefined;
  },
  ctx: CliContext,
): OpenImageOptions {
  let creds: { username: string; password: string } | undefined;
  if (values.creds !== undefined) {
    const colon = values.creds.indexOf(':');
    if (colon <= 0) throw usageError('--creds must be USER:PASS');
    creds = { username: values.creds.slice(0, colon), password: values.creds.slice(colon + 1) };
  }
  return {
    ...(values.platform === undefined ? {} : { platform: values.platform }),
    registry: {
      env: ctx.env,
      ...(creds === undefined ? {} : { creds }),
      ...(values.authfile === undefined ? {} : { authFile: values.authfile }),
      ...(values['insecure-registry'] === undefined
        ? {}
        : { insecureRegistries: values['insecure-registry'] }),
      ...(values['ca-file'] === undefined ? {} : { caFile: values['ca-file'] }),
    },
  };
}
