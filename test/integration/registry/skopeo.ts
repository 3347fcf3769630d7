import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/**
 * Copies an OCI layout tag into a registry with Debian's skopeo, keeping every digest (`--all` for
 * indexes, `--preserve-digests` so a conversion fails instead of silently changing the image), or
 * converting to Docker schema 2 manifests and manifest lists with `dockerFormat`.
 */
export async function pushLayout(
  layoutDir: string,
  tag: string,
  destination: string,
  options: { creds?: string; dockerFormat?: boolean } = {},
): Promise<void> {
  const home = await mkdtemp(join(tmpdir(), 'zastava-skopeo-'));
  try {
    await run(
      'skopeo',
      [
        '--insecure-policy',
        'copy',
        '--all',
        // Docker schema 2 conversion rewrites the manifests (not the blobs): digests change by design.
        ...(options.dockerFormat ? ['--format', 'v2s2'] : ['--preserve-digests']),
        '--quiet',
        '--dest-tls-verify=false',
        ...(options.creds ? ['--dest-creds', options.creds] : []),
        `oci:${layoutDir}:${tag}`,
        `docker://${destination}`,
      ],
      {
        env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: home, XDG_RUNTIME_DIR: home },
        timeout: 120_000,
      },
    );
  } finally {
    await rm(home, { recursive: true, force: true });
  }
}
