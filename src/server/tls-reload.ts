import { watch, type FSWatcher } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { createSecureContext } from 'node:tls';
import type { Server } from 'node:https';
import type { Logger } from 'pino';

export interface TlsFiles {
  readonly certFile: string;
  readonly keyFile: string;
}

export interface TlsReloader {
  /** For /readyz: the last load (at start or after a change) produced a usable certificate and key. */
  check(): Promise<void>;
  /** Read both files now and swap the context if they changed and load. */
  reload(): Promise<boolean>;
  readonly reloads: number;
  close(): void;
}

/**
 * Reloads the serving certificate when its files change (cert-manager and kubelet secret volumes swap a
 * symlink, which `fs.watch` may miss, hence a periodic stat too): `server.setSecureContext`, so new
 * connections get the new certificate with no restart. A pair that does not load (half-written, key and
 * certificate not matching) is logged and the previous context kept.
 */
export function reloadTlsOnChange(
  server: Server,
  files: TlsFiles,
  log: Logger,
  options: { readonly intervalMs?: number } = {},
): TlsReloader {
  let signature = '';
  let loaded = false;
  let reloads = 0;
  let busy: Promise<boolean> | undefined;

  const signatureOf = async () => {
    const [c, k] = await Promise.all([stat(files.certFile), stat(files.keyFile)]);
    return `${c.ino}:${c.size}:${c.mtimeMs}|${k.ino}:${k.size}:${k.mtimeMs}`;
  };

  const load = async (): Promise<boolean> => {
    let next: string;
    try {
      next = await signatureOf();
    } catch (err) {
      log.warn({ err }, 'TLS certificate files unreadable; keeping the current certificate');
      return false;
    }
    if (next === signature) return false;
    try {
      const [cert, key] = await Promise.all([readFile(files.certFile), readFile(files.keyFile)]);
      const options = { cert, key, minVersion: 'TLSv1.2' as const };
      createSecureContext(options); // throws on a mismatched or half-written pair
      server.setSecureContext(options);
      const first = signature === '';
      signature = next;
      loaded = true;
      if (!first) {
        reloads += 1;
        log.info({ certFile: files.certFile }, 'TLS certificate reloaded');
      }
      return !first;
    } catch (err) {
      log.warn({ err, certFile: files.certFile }, 'TLS certificate did not load; keeping the current one');
      return false;
    }
  };

  const reload = () => (busy ??= load().finally(() => (busy = undefined)));

  const watchers: FSWatcher[] = [];
  for (const file of [files.certFile, files.keyFile]) {
    try {
      const w = watch(file, { persistent: false }, () => void reload());
      w.on('error', () => {});
      watchers.push(w);
    } catch {
      // the periodic stat still notices
    }
  }
  const timer = setInterval(() => void reload(), options.intervalMs ?? 10_000);
  timer.unref();
  void reload();

  return {
    async check() {
      if (!loaded) await reload();
      if (!loaded) throw new Error('TLS certificate not loaded');
    },
    reload,
    get reloads() {
      return reloads;
    },
    close() {
      clearInterval(timer);
      for (const w of watchers) w.close();
    },
  };
}
