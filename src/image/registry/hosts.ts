/**
 * Registry host names: Docker Hub's aliases, loopback detection, and the plain-HTTP policy (SPEC §3:
 * plain HTTP only for loopback or hosts named with `--insecure-registry`).
 */

export const DOCKER_HUB_ALIASES: readonly string[] = ['docker.io', 'index.docker.io', 'registry-1.docker.io'];
/** The key `docker login` writes for Docker Hub in config.json, and what its credential helpers expect. */
export const DOCKER_HUB_AUTH_KEY = 'https://index.docker.io/v1/';

export function isDockerHub(registry: string): boolean {
  return DOCKER_HUB_ALIASES.includes(registry.toLowerCase());
}

/** `docker.io` is a name, not a server: requests go to `registry-1.docker.io`. */
export function requestHost(registry: string): string {
  return isDockerHub(registry) ? 'registry-1.docker.io' : registry.toLowerCase();
}

/** `host`, `host:port`, `[v6]:port` → the host alone, lower-cased, without brackets. */
export function hostName(hostPort: string): string {
  const lower = hostPort.toLowerCase();
  if (lower.startsWith('[')) return lower.slice(1, lower.indexOf(']'));
  const colons = lower.split(':').length - 1;
  return colons === 1 ? lower.slice(0, lower.indexOf(':')) : lower;
}

export function isLoopbackHost(hostPort: string): boolean {
  const host = hostName(hostPort);
  return (
    host === 'localhost' ||
    host.endsWith('.localhost') ||
    host === '::1' ||
    /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host)
  );
}

/** An `--insecure-registry` entry without a port names the host on every port. */
export function allowsPlainHttp(hostPort: string, insecureRegistries: readonly string[]): boolean {
  if (isLoopbackHost(hostPort)) return true;
  const lower = hostPort.toLowerCase();
  return insecureRegistries.some((entry) => {
    const e = entry
      .toLowerCase()
      .replace(/^https?:\/\//, '')
      .replace(/\/+$/, '');
    return e === lower || e === hostName(lower);
  });
}
