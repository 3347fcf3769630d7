import { describe, expect, it } from 'vitest';
import { isZastavaError } from '../model/errors.ts';
import { formatReference, parseReference, repositoryOf } from './reference.ts';

const D = `sha256:${'a'.repeat(64)}`;

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    return isZastavaError(error) ? error.code : 'not a ZastavaError';
  }
  return undefined;
}

describe('parseReference: registries', () => {
  it.each([
    ['debian', { registry: 'docker.io', repository: 'library/debian', tag: 'latest' }],
    ['debian:12', { registry: 'docker.io', repository: 'library/debian', tag: '12' }],
    ['bitnami/redis:7.2', { registry: 'docker.io', repository: 'bitnami/redis', tag: '7.2' }],
    ['docker.io/library/debian:12', { registry: 'docker.io', repository: 'library/debian', tag: '12' }],
    ['index.docker.io/debian', { registry: 'docker.io', repository: 'library/debian', tag: 'latest' }],
    ['ghcr.io/org/team/app:v1.0.0', { registry: 'ghcr.io', repository: 'org/team/app', tag: 'v1.0.0' }],
    ['localhost:5000/app', { registry: 'localhost:5000', repository: 'app', tag: 'latest' }],
    ['localhost/app:1', { registry: 'localhost', repository: 'app', tag: '1' }],
    ['127.0.0.1:5000/a/b:c', { registry: '127.0.0.1:5000', repository: 'a/b', tag: 'c' }],
    ['[::1]:5000/app:x', { registry: '[::1]:5000', repository: 'app', tag: 'x' }],
    [`ghcr.io/org/app@${D}`, { registry: 'ghcr.io', repository: 'org/app', digest: D }],
    [`ghcr.io/org/app:v1@${D}`, { registry: 'ghcr.io', repository: 'org/app', tag: 'v1', digest: D }],
    [`docker://debian@${D}`, { registry: 'docker.io', repository: 'library/debian', digest: D }],
    ['docker://quay.io/a/b:c', { registry: 'quay.io', repository: 'a/b', tag: 'c' }],
    ['foo:bar', { registry: 'docker.io', repository: 'library/foo', tag: 'bar' }],
    [
      'my-reg.example.com:8443/a__b/c-d.e:tag_1',
      { registry: 'my-reg.example.com:8443', repository: 'a__b/c-d.e', tag: 'tag_1' },
    ],
  ])('%s', (text, expected) => {
    expect(parseReference(text)).toEqual({ transport: 'registry', ...expected });
  });

  it.each([
    ['', 'REFERENCE_INVALID'],
    ['Debian', 'REFERENCE_INVALID'],
    ['ghcr.io/Org/app', 'REFERENCE_INVALID'],
    ['debian:bad tag', 'REFERENCE_INVALID'],
    ['debian@sha256:abc', 'REFERENCE_INVALID'],
    ['debian:-x', 'REFERENCE_INVALID'],
    ['docker://', 'REFERENCE_INVALID'],
    ['a//b', 'REFERENCE_INVALID'],
  ])('refuses %j with %s', (text, code) => {
    expect(codeOf(() => parseReference(text))).toBe(code);
  });
});

describe('parseReference: local transports', () => {
  it.each([
    ['oci:/images/app', { transport: 'oci', path: '/images/app' }],
    ['oci:./app:v1', { transport: 'oci', path: './app', tag: 'v1' }],
    ['oci:app:1.0-rc.1', { transport: 'oci', path: 'app', tag: '1.0-rc.1' }],
    [`oci:/images/app@${D}`, { transport: 'oci', path: '/images/app', digest: D }],
    ['oci-archive:/tmp/app.tar', { transport: 'oci-archive', path: '/tmp/app.tar' }],
    ['oci-archive:/tmp/app.tar:latest', { transport: 'oci-archive', path: '/tmp/app.tar', tag: 'latest' }],
    ['docker-archive:/tmp/d.tar', { transport: 'docker-archive', path: '/tmp/d.tar' }],
    [
      'docker-archive:/tmp/d.tar:debian:12',
      { transport: 'docker-archive', path: '/tmp/d.tar', repoTag: 'docker.io/library/debian:12' },
    ],
    [
      'docker-archive:d.tar:localhost:5000/app:1',
      { transport: 'docker-archive', path: 'd.tar', repoTag: 'localhost:5000/app:1' },
    ],
    [
      'docker-archive:d.tar:app',
      { transport: 'docker-archive', path: 'd.tar', repoTag: 'docker.io/library/app:latest' },
    ],
    ['rootfs:/srv/root', { transport: 'rootfs', path: '/srv/root' }],
    ['rootfs:/with:colon', { transport: 'rootfs', path: '/with:colon' }],
  ])('%s', (text, expected) => {
    expect(parseReference(text)).toEqual(expected);
  });

  it.each([
    ['oci:', 'REFERENCE_INVALID'],
    ['oci:/x:', 'REFERENCE_INVALID'],
    ['oci:/x@sha256:1234', 'REFERENCE_INVALID'],
    ['oci-archive::tag', 'REFERENCE_INVALID'],
    [`docker-archive:/d.tar:app@${D}`, 'REFERENCE_INVALID'],
    ['rootfs:', 'REFERENCE_INVALID'],
    ['foo:/path/to/thing', 'TRANSPORT_UNKNOWN'],
    ['dir:/tmp/image', 'TRANSPORT_UNKNOWN'],
    ['dir:image', 'TRANSPORT_UNKNOWN'],
    ['containers-storage:alpine:latest', 'TRANSPORT_UNKNOWN'],
    ['docker-daemon:alpine:latest', 'TRANSPORT_UNKNOWN'],
    ['foo:./bar', 'TRANSPORT_UNKNOWN'],
  ])('refuses %j with %s', (text, code) => {
    expect(codeOf(() => parseReference(text))).toBe(code);
  });
});

describe('formatReference and repositoryOf', () => {
  it.each([
    ['debian', 'docker.io/library/debian:latest', 'docker.io/library/debian'],
    [`ghcr.io/o/a:v1@${D}`, `ghcr.io/o/a:v1@${D}`, 'ghcr.io/o/a'],
    ['oci:/i/app:v1', 'oci:/i/app:v1', 'oci:/i/app'],
    [`oci:/i/app@${D}`, `oci:/i/app@${D}`, 'oci:/i/app'],
    ['oci-archive:/a.tar:t', 'oci-archive:/a.tar:t', 'oci-archive:/a.tar'],
    [
      'docker-archive:/d.tar:debian:12',
      'docker-archive:/d.tar:docker.io/library/debian:12',
      'docker.io/library/debian',
    ],
    ['docker-archive:/d.tar', 'docker-archive:/d.tar', 'docker-archive:/d.tar'],
    ['rootfs:/r', 'rootfs:/r', 'rootfs:/r'],
  ])('%s → %s (repository %s)', (text, formatted, repository) => {
    const ref = parseReference(text);
    expect(formatReference(ref)).toBe(formatted);
    expect(parseReference(formatted)).toEqual(ref);
    expect(repositoryOf(ref)).toBe(repository);
  });
});
