import { RegistryError, type RegistryErrorCode } from './errors.ts';
import type { HttpResponse } from './transport.ts';

const MAX_ERROR_BODY = 64 << 10;

export function mediaTypeOf(response: HttpResponse): string | undefined {
  return response.headers.get('content-type')?.split(';')[0]?.trim().toLowerCase() || undefined;
}

/** A non-success answer → the error naming what was asked for and what the registry said. */
export async function statusError(
  response: HttpResponse,
  what: string,
  notFound: RegistryErrorCode,
): Promise<RegistryError> {
  const said = await registryErrors(response);
  const suffix = said ? ` (${said})` : '';
  switch (response.status) {
    case 404:
      return new RegistryError(notFound, `${what} not found${suffix}`, {
        hint:
          notFound === 'REGISTRY_MANIFEST_NOT_FOUND'
            ? 'check the repository name and the tag or digest'
            : undefined,
      });
    case 403:
      return new RegistryError('REGISTRY_ACCESS_DENIED', `${what}: access denied${suffix}`);
    case 429:
      return new RegistryError('REGISTRY_RATE_LIMITED', `${what}: rate limited, retries exhausted${suffix}`, {
        hint: 'try again later, or authenticate: registries give logged-in clients higher limits',
      });
    default:
      return new RegistryError('REGISTRY_HTTP_ERROR', `${what}: HTTP ${response.status}${suffix}`);
  }
}

/** The distribution error body `{"errors":[{"code","message"}]}`, shortened: it is the server's text. */
async function registryErrors(response: HttpResponse): Promise<string> {
  let body: Buffer;
  try {
    body = await response.bytes(MAX_ERROR_BODY, () => new Error('too large'));
  } catch {
    return '';
  }
  try {
    const parsed = JSON.parse(body.toString('utf8')) as {
      errors?: Array<{ code?: unknown; message?: unknown }>;
    };
    return (parsed.errors ?? [])
      .map((e) => [e.code, e.message].filter((x) => typeof x === 'string').join(': '))
      .join('; ')
      .slice(0, 300);
  } catch {
    return '';
  }
}
