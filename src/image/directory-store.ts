import { createReadStream } from 'node:fs';
import { open, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { STREAM_CHUNK_BYTES, type LayoutStore } from './layout-store.ts';

/** A layout on disk. Member paths come from validated digests, never from the layout's own JSON. */
export function directoryStore(dir: string): LayoutStore {
  const resolve = (relPath: string): string => {
    if (relPath.split('/').some((s) => s === '..' || s === '') || relPath.startsWith('/')) {
      throw new Error(`internal: unsafe layout path ${relPath}`);
    }
    return join(dir, relPath);
  };
  return {
    location: dir,
    async size(relPath) {
      try {
        const st = await stat(resolve(relPath));
        return st.isFile() ? st.size : undefined;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
        throw error;
      }
    },
    async readAll(relPath) {
      return readFile(resolve(relPath));
    },
    stream(relPath, signal) {
      return createReadStream(resolve(relPath), {
        highWaterMark: STREAM_CHUNK_BYTES,
        ...(signal ? { signal } : {}),
      });
    },
    async region(relPath) {
      const handle = await open(resolve(relPath), 'r');
      return {
        read: async (into, position) => (await handle.read(into, 0, into.byteLength, position)).bytesRead,
        close: () => handle.close(),
      };
    },
    async close() {},
  };
}
