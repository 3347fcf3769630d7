/**
 * A package database file that cannot be read. Never escapes src/drift: readers catch it, attribution
 * falls back to `Unknown` for what the file describes, and the report carries a note naming the file.
 */
export class PackageDbCorrupt extends Error {
  readonly file: string;
  constructor(file: string, reason: string) {
    super(`${file}: ${reason}`);
    this.name = 'PackageDbCorrupt';
    this.file = file;
  }
}

const UTF8 = new TextDecoder('utf-8', { fatal: true });

/** Strict UTF-8: a database that is not text is corrupt, not something to guess at. */
export function decodeText(file: string, bytes: Uint8Array): string {
  try {
    return UTF8.decode(bytes);
  } catch {
    throw new PackageDbCorrupt(file, 'not valid UTF-8');
  }
}
