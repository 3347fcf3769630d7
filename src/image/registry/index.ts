/** The registry client's public surface (SPEC §3). Everything else in this folder is internal. */
export { createRegistrySource, type RegistryReference } from './source.ts';
export { resolveDigest, type ResolvedDigest } from './resolve-digest.ts';
export { DEFAULT_TIMEOUT_MS, type RegistryOptions } from './options.ts';
export { RegistryError, type RegistryErrorCode } from './errors.ts';
