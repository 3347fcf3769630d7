import { describe, expect, it } from 'vitest';
import { buildPurl, ociPurl, packagePurl } from './purl.ts';

describe('package URLs (purl-spec canonical form)', () => {
  it('builds the spec test vectors', () => {
    expect(
      buildPurl({
        type: 'oci',
        name: 'debian',
        version: 'sha256:244fd47e07d10',
        qualifiers: { arch: 'amd64', repository_url: 'docker.io/library/debian', tag: 'latest' },
      }),
    ).toBe(
      'pkg:oci/debian@sha256:244fd47e07d10?arch=amd64&repository_url=docker.io%2Flibrary%2Fdebian&tag=latest',
    );
    expect(
      buildPurl({
        type: 'deb',
        namespace: 'debian',
        name: 'attr',
        version: '1:2.4.47-2+b1',
        qualifiers: { arch: 'amd64' },
      }),
    ).toBe('pkg:deb/debian/attr@1:2.4.47-2%2Bb1?arch=amd64');
    expect(
      buildPurl({
        type: 'deb',
        namespace: 'debian',
        name: 'curl',
        version: '7.50.3-1',
        qualifiers: { distro: 'jessie', arch: 'i386' },
      }),
    ).toBe('pkg:deb/debian/curl@7.50.3-1?arch=i386&distro=jessie');
  });

  it('writes each ecosystem as its purl type expects', () => {
    expect(
      packagePurl(
        { ecosystem: 'deb', name: 'libssl3', version: '3.0.15-1~deb12u1', arch: 'amd64' },
        { id: 'debian', codename: 'bookworm' },
      ),
    ).toBe('pkg:deb/debian/libssl3@3.0.15-1~deb12u1?arch=amd64&distro=bookworm');
    expect(packagePurl({ ecosystem: 'npm', name: '@angular/animation', version: '12.3.1' })).toBe(
      'pkg:npm/%40angular/animation@12.3.1',
    );
    expect(packagePurl({ ecosystem: 'npm', name: 'foobar', version: '12.3.1' })).toBe(
      'pkg:npm/foobar@12.3.1',
    );
    expect(packagePurl({ ecosystem: 'pypi', name: 'Django_Utils', version: '1.0' })).toBe(
      'pkg:pypi/django-utils@1.0',
    );
    expect(packagePurl({ ecosystem: 'golang', name: 'github.com/gorilla/context', version: 'v1.1.1' })).toBe(
      'pkg:golang/github.com/gorilla/context@v1.1.1',
    );
    expect(packagePurl({ ecosystem: 'apk', name: 'curl', version: '7.83.0-r0', arch: 'x86' })).toBe(
      'pkg:apk/alpine/curl@7.83.0-r0?arch=x86',
    );
  });

  it('names an image by the last segment of its repository', () => {
    const d = `sha256:${'ab'.repeat(32)}`;
    expect(ociPurl('registry.example.com/team/App:v1.2', d)).toBe(
      `pkg:oci/app@${d}?repository_url=registry.example.com%2Fteam%2FApp&tag=v1.2`,
    );
    expect(ociPurl(`localhost:5000/app@${d}`, d)).toBe(
      `pkg:oci/app@${d}?repository_url=localhost:5000%2Fapp`,
    );
    expect(ociPurl('oci:/tmp/images/web:latest', d)).toBe(`pkg:oci/web@${d}`);
    expect(ociPurl('oci-archive:/tmp/web.tar', d)).toBe(`pkg:oci/web@${d}`);
  });
});
