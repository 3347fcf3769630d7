const SHA256_DIGEST = /^sha256:[0-9a-f]{64}$/;

/** `sha256:<hex>`, the only form in which roots and hashes are written (SPEC §6). */
export function toSha256Digest(bytes: Uint8Array): string {
  return `sha256:${Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex')}`;
}

/** The 32 bytes of a `sha256:<64 hex>` string; `undefined` for anything else (hostile input is expected). */
export function parseSha256Digest(digest: unknown): Uint8Array | undefined {
  if (typeof digest !== 'string' || !SHA256_DIGEST.test(digest)) return undefined;
  return Buffer.from(digest.slice(7), 'hex');
}
