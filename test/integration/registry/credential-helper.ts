import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * Writes `docker-credential-test` into `dir/bin`: a docker-credential-helpers `get` that knows the
 * given servers, and the config.json that names it. Returns the env (HOME, PATH) to use.
 */
export async function installCredentialHelper(
  dir: string,
  servers: Readonly<Record<string, { username: string; secret: string }>>,
  config: Record<string, unknown>,
): Promise<Record<string, string>> {
  const bin = join(dir, 'bin');
  await mkdir(bin, { recursive: true });
  await mkdir(join(dir, 'home', '.docker'), { recursive: true });
  const cases = Object.entries(servers)
    .map(
      ([server, c]) =>
        `  '${server}') printf '%s' '${JSON.stringify({ ServerURL: server, Username: c.username, Secret: c.secret })}' ;;`,
    )
    .join('\n');
  const script = `#!/bin/sh
[ "$1" = get ] || exit 2
read -r server
case "$server" in
${cases}
  *) echo "credentials not found in native keychain"; exit 1 ;;
esac
`;
  await writeFile(join(bin, 'docker-credential-test'), script);
  await chmod(join(bin, 'docker-credential-test'), 0o755);
  await writeFile(join(dir, 'home', '.docker', 'config.json'), JSON.stringify(config));
  return { HOME: join(dir, 'home'), PATH: `${bin}:/usr/bin:/bin` };
}
