import { createReadStream } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { posix } from 'node:path';
import { ImageError } from './errors.ts';
import { STREAM_CHUNK_BYTES, type LayoutStore } from './layout-store.ts';
import { TAR_BLOCK, TarFormatError, decodeHeader, isZeroBlock, parsePaxRecords } from './tar-header.ts';

interface Member {
  readonly offset: number;
  readonly size: number;
}

/** A hostile archive must not make the index grow without bound (an image archive has a few hundred members). */
const MAX_MEMBERS = 1_000_000;
const MAX_META_BYTES = 1 << 20;

/**
 * An archive's members, indexed once by reading its headers (data blocks are skipped, never read), then
 * streamed from their offsets in the file: nothing is extracted to disk (SPEC §4).
 */
export async function archiveStore(file: string): Promise<LayoutStore> {
  let handle: FileHandle;
  try {
    handle = await open(file, 'r');
  } catch (error) {
    throw new ImageError('IMAGE_NOT_FOUND', `cannot open archive ${file}: ${(error as Error).message}`, {
      cause: error,
    });
  }
  let members: Map<string, Member>;
  try {
    members = await indexArchive(handle, file);
  } catch (error) {
    await handle.close();
    throw error;
  }
  const lookup = (relPath: string): Member | undefined => members.get(normalizeMemberName(relPath));
  return {
    location: file,
    size: (relPath) => Promise.resolve(lookup(relPath)?.size),
    async readAll(relPath) {
      const member = lookup(relPath);
      if (!member) throw new ImageError('BLOB_MISSING', `${file} has no member ${relPath}`);
      const buf = Buffer.allocUnsafe(member.size);
      const { bytesRead } = await handle.read(buf, 0, member.size, member.offset);
      if (bytesRead !== member.size)
        throw new ImageError('ARCHIVE_INVALID', `${file}: member ${relPath} is cut short`);
      return buf;
    },
    stream(relPath, signal) {
      const member = lookup(relPath);
      if (!member) throw new ImageError('BLOB_MISSING', `${file} has no member ${relPath}`);
      if (member.size === 0) return (async function* () {})();
      return createReadStream(file, {
        start: member.offset,
        end: member.offset + member.size - 1,
        highWaterMark: STREAM_CHUNK_BYTES,
        ...(signal ? { signal } : {}),
      });
    },
    region(relPath) {
      const member = lookup(relPath);
      if (!member) return Promise.reject(new ImageError('BLOB_MISSING', `${file} has no member ${relPath}`));
      return Promise.resolve({
        async read(into, position) {
          const n = Math.min(into.byteLength, member.size - position);
          if (n <= 0) return 0;
          return (await handle.read(into, 0, n, member.offset + position)).bytesRead;
        },
        // The archive's handle is shared by every member; the store closes it.
        close: () => Promise.resolve(),
      });
    },
    async close() {
      await handle.close();
    },
  };
}

/** `./blobs/sha256/x` and `blobs/sha256/x` name the same member. */
export function normalizeMemberName(name: string): string {
  const normal = posix.normalize(`/${name}`).slice(1);
  return normal.endsWith('/') ? normal.slice(0, -1) : normal;
}

async function indexArchive(handle: FileHandle, file: string): Promise<Map<string, Member>> {
  const members = new Map<string, Member>();
  const links: Array<{ name: string; target: string }> = [];
  const block = Buffer.alloc(TAR_BLOCK);
  let pos = 0;
  let longName: string | undefined;
  let longLink: string | undefined;
  let pax: Map<string, string> | undefined;
  const fail = (why: string, cause?: unknown): ImageError =>
    new ImageError('ARCHIVE_INVALID', `${file} is not a valid tar archive: ${why} (at byte ${pos})`, {
      cause,
    });

  for (;;) {
    const { bytesRead } = await handle.read(block, 0, TAR_BLOCK, pos);
    if (pos === 0) sniffCompression(block.subarray(0, bytesRead), file);
    if (bytesRead === 0 && pos > 0) break; // no end-of-archive blocks: tolerated, as GNU tar does
    if (bytesRead < TAR_BLOCK) throw fail('truncated header');
    if (isZeroBlock(block)) break;
    let header;
    try {
      header = decodeHeader(block);
    } catch (error) {
      throw fail(error instanceof TarFormatError ? error.message : 'bad header', error);
    }
    const size = pax?.has('size') ? Number(pax.get('size')) : header.size;
    if (!Number.isSafeInteger(size) || size < 0) throw fail('member size out of range');
    const dataStart = pos + TAR_BLOCK;
    pos = dataStart + Math.ceil(size / TAR_BLOCK) * TAR_BLOCK;

    const readMeta = async (): Promise<Buffer> => {
      if (size > MAX_META_BYTES) throw fail('extended header too large');
      const data = Buffer.alloc(size);
      const { bytesRead: n } = await handle.read(data, 0, size, dataStart);
      if (n !== size) throw fail('truncated extended header');
      return data;
    };
    switch (header.typeflag) {
      case 'x':
        try {
          pax = parsePaxRecords(await readMeta());
        } catch (error) {
          throw error instanceof TarFormatError ? fail(error.message, error) : error;
        }
        continue;
      case 'g':
        continue;
      case 'L':
        longName = cString(await readMeta());
        continue;
      case 'K':
        longLink = cString(await readMeta());
        continue;
    }
    const name = normalizeMemberName(pax?.get('path') ?? longName ?? header.name);
    const linkName = pax?.get('linkpath') ?? longLink ?? header.linkName;
    pax = undefined;
    longName = undefined;
    longLink = undefined;
    if (header.typeflag === '0' || header.typeflag === '\0' || header.typeflag === '7') {
      members.set(name, { offset: dataStart, size });
    } else if (header.typeflag === '1') {
      links.push({ name, target: normalizeMemberName(linkName) });
    } else if (header.typeflag === '2') {
      // `docker save` writes a symlink for a layer it already wrote under another layer id.
      links.push({ name, target: normalizeMemberName(posix.join(posix.dirname(name), linkName)) });
    }
    if (members.size + links.length > MAX_MEMBERS) throw fail(`more than ${MAX_MEMBERS} members`);
  }
  for (let round = 0; round < 8 && links.length > 0; round++) {
    for (let i = links.length - 1; i >= 0; i--) {
      const target = members.get(links[i]!.target);
      if (target) {
        members.set(links[i]!.name, target);
        links.splice(i, 1);
      }
    }
  }
  return members;
}

function sniffCompression(block: Buffer, file: string): void {
  const gzip = block[0] === 0x1f && block[1] === 0x8b;
  const zstd = block.length >= 4 && block.readUInt32LE(0) === 0xfd2fb528;
  if (gzip || zstd) {
    throw new ImageError('ARCHIVE_COMPRESSED', `${file} is ${gzip ? 'gzip' : 'zstd'}-compressed`, {
      hint: `decompress it first (${gzip ? 'gunzip' : 'unzstd'}); the archive's layers may stay compressed`,
    });
  }
}

function cString(data: Buffer): string {
  const nul = data.indexOf(0);
  return data.subarray(0, nul === -1 ? data.length : nul).toString('utf8');
}
