import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { Attributor } from './attribute.ts';
import { readPackageInventory } from './packages/read.ts';
import { debianChangelog, dpkgDatabase, toCaptured, type DebFixture } from './packages/test-databases.ts';

function image(debs: DebFixture[], extra: Record<string, string | Uint8Array> = {}) {
  const files = new Map<string, string | Uint8Array>(dpkgDatabase(debs));
  files.set('/etc/os-release', 'ID=debian\nVERSION_CODENAME=bookworm\n');
  for (const [k, v] of Object.entries(extra)) files.set(k, v);
  return readPackageInventory(toCaptured(files));
}

const openssl = (version: string): DebFixture => ({
  name: 'openssl',
  version,
  files: ['/usr/bin/openssl', '/etc/ssl/openssl.cnf', '/usr/share/doc/openssl/changelog.Debian.gz'],
  conffiles: ['/etc/ssl/openssl.cnf'],
});
const bash = (version: string, md5?: Record<string, string>): DebFixture => ({
  name: 'bash',
  version,
  files: ['/bin/bash'],
  ...(md5 ? { md5 } : {}),
});
const changelog = gzipSync(
  debianChangelog('openssl', [
    { version: '3.0.15-1~deb12u1', suite: 'bookworm-security', text: 'Fix CVE-2024-5535 and CVE-2024-6119.' },
    { version: '3.0.14-1~deb12u2', text: 'Point release.' },
    { version: '3.0.13-1~deb12u1', text: 'CVE-2023-0001 (older).' },
  ]),
);

describe('cause attribution (SPEC §9)', () => {
  it('SecurityPatch: new changelog entries from a -security suite, with their CVE ids', () => {
    const a = new Attributor(
      image([openssl('3.0.13-1~deb12u1')]),
      image([openssl('3.0.15-1~deb12u1')], { '/usr/share/doc/openssl/changelog.Debian.gz': changelog }),
    );
    expect(a.attribute('modified', '/usr/bin/openssl', 'Binary')).toMatchObject({
      cause: 'SecurityPatch',
      package: 'deb:openssl',
    });
    expect(a.attribute('modified', '/etc/ssl/openssl.cnf', 'Config').cause).toBe('SecurityPatch');
    expect(a.packageChanges()).toEqual([
      {
        name: 'openssl',
        ecosystem: 'deb',
        from: '3.0.13-1~deb12u1',
        to: '3.0.15-1~deb12u1',
        cause: 'SecurityPatch',
        cves: ['CVE-2024-5535', 'CVE-2024-6119'],
        purl: 'pkg:deb/debian/openssl@3.0.15-1~deb12u1?arch=amd64&distro=bookworm',
      },
    ]);
  });

  it('PackageUpdate: changelog entries without a security suite or CVE ids', () => {
    const a = new Attributor(
      image([openssl('3.0.13-1~deb12u1')]),
      image([openssl('3.0.14-1~deb12u2')], { '/usr/share/doc/openssl/changelog.Debian.gz': changelog }),
    );
    expect(a.attribute('modified', '/usr/bin/openssl', 'Binary').cause).toBe('PackageUpdate');
  });

  it("reads a native package's Debian changelog from changelog.gz, and never an upstream changelog.gz", () => {
    const apt = (v: string): DebFixture => ({ name: 'apt', version: v, files: ['/usr/bin/apt'] });
    const log = gzipSync(
      debianChangelog('apt', [
        { version: '2.6.2', suite: 'bookworm-security', text: 'CVE-2026-0001' },
        { version: '2.6.1' },
      ]),
    );
    const a = new Attributor(
      image([apt('2.6.1')]),
      image([apt('2.6.2')], { '/usr/share/doc/apt/changelog.gz': log }),
    );
    expect(a.attribute('modified', '/usr/bin/apt', 'Binary').cause).toBe('SecurityPatch');
    expect(a.packageChanges()[0]!.cves).toEqual(['CVE-2026-0001']);
    const upstream = gzipSync('Version 5.2.21\n  - many fixes, CVE-2026-9999\n');
    const b = new Attributor(
      image([bash('5.2.15-2')]),
      image([bash('5.2.21-1')], { '/usr/share/doc/bash/changelog.gz': upstream }),
    );
    expect(b.attribute('modified', '/usr/bin/bash', 'Binary').cause).toBe('PackageUpdate');
    expect(b.notes).toEqual([]);
  });

  it('SecurityPatch without a changelog: same upstream, only a +debNNuM suffix changed', () => {
    const a = new Attributor(image([bash('5.2.15-2')]), image([bash('5.2.15-2+deb12u1')]));
    expect(a.attribute('modified', '/usr/bin/bash', 'Binary').cause).toBe('SecurityPatch');
    const b = new Attributor(image([bash('5.2.15-2')]), image([bash('5.2.21-1')]));
    expect(b.attribute('modified', '/usr/bin/bash', 'Binary').cause).toBe('PackageUpdate');
  });

  it('NewDependency and RemovedDependency', () => {
    const a = new Attributor(
      image([bash('1')]),
      image([bash('1'), { name: 'libnew1', version: '1.0-1', files: ['/usr/lib/libnew.so.1'] }]),
    );
    expect(a.attribute('added', '/usr/lib/libnew.so.1', 'Binary')).toMatchObject({
      cause: 'NewDependency',
      package: 'deb:libnew1',
    });
    const r = new Attributor(
      image([bash('1'), { name: 'gone', version: '1', files: ['/usr/bin/gone'] }]),
      image([bash('1')]),
    );
    expect(r.attribute('removed', '/usr/bin/gone', 'Binary').cause).toBe('RemovedDependency');
    expect(r.packageChanges()).toMatchObject([
      { name: 'gone', from: '1', to: null, cause: 'RemovedDependency' },
    ]);
  });

  it('BinaryRebuild for a binary changed under an unchanged version, flagged as unexplained', () => {
    const a = new Attributor(image([bash('1')]), image([bash('1')]));
    const got = a.attribute('modified', '/usr/bin/bash', 'Binary');
    expect(got.cause).toBe('BinaryRebuild');
    expect(got.detail).toMatch(/^UNEXPLAINED/);
    expect(a.packageChanges()).toMatchObject([{ name: 'bash', from: '1', to: '1', cause: 'BinaryRebuild' }]);
  });

  it('BinaryRebuild with the package checksum changed too is said to be a rebuild', () => {
    const a = new Attributor(
      image([bash('1', { '/bin/bash': 'a'.repeat(32) })]),
      image([bash('1', { '/bin/bash': 'b'.repeat(32) })]),
    );
    expect(a.attribute('modified', '/usr/bin/bash', 'Binary').detail).toMatch(
      /^rebuilt under the same version/,
    );
  });

  it('ConfigChange for a conffile of an unchanged package, and for unowned files in /etc or the config facet', () => {
    const a = new Attributor(image([openssl('1')]), image([openssl('1')]));
    expect(a.attribute('modified', '/etc/ssl/openssl.cnf', 'Config').cause).toBe('ConfigChange');
    expect(a.attribute('modified', '/etc/hostname', 'Config').cause).toBe('ConfigChange');
    expect(a.attribute('added', '/srv/app/settings.yaml', 'Config').cause).toBe('ConfigChange');
    expect(a.attribute('removed', '/etc/motd', 'Custom').cause).toBe('ConfigChange');
  });

  it('Unknown for an unowned file outside the configuration', () => {
    const a = new Attributor(image([]), image([]));
    expect(a.attribute('added', '/usr/local/bin/implant', 'Binary').cause).toBe('Unknown');
  });

  it('package-manager state follows its packages', () => {
    const a = new Attributor(image([bash('1')]), image([bash('2')]));
    expect(a.attribute('modified', '/var/lib/dpkg/status', 'OS').cause).toBe('PackageUpdate');
    expect(a.attribute('modified', '/var/lib/dpkg/info/bash.list', 'OS')).toMatchObject({
      cause: 'PackageUpdate',
      package: 'deb:bash',
    });
    const same = new Attributor(image([bash('1')]), image([bash('1')]));
    expect(same.attribute('modified', '/var/lib/dpkg/status', 'OS').cause).toBe('Unknown');
  });

  it('a corrupt changelog makes that package Unknown, with a note; the rest stands', () => {
    const a = new Attributor(
      image([openssl('3.0.13-1~deb12u1'), bash('1')]),
      image([openssl('3.0.15-1~deb12u1'), bash('2')], {
        '/usr/share/doc/openssl/changelog.Debian.gz': changelog.subarray(0, 40),
      }),
    );
    expect(a.attribute('modified', '/usr/bin/openssl', 'Binary').cause).toBe('Unknown');
    expect(a.attribute('modified', '/usr/bin/bash', 'Binary').cause).toBe('PackageUpdate');
    expect(a.notes.join()).toContain('/usr/share/doc/openssl/changelog.Debian.gz');
  });

  it('a corrupt status makes dpkg-owned files Unknown', () => {
    const corrupt = image([bash('1')], { '/var/lib/dpkg/status': Buffer.from([0xff, 0xfe]) });
    const a = new Attributor(image([bash('1')]), corrupt);
    expect(a.attribute('modified', '/usr/bin/bash', 'Binary').cause).toBe('Unknown');
  });

  it('npm: a version change is PackageUpdate, a new package NewDependency', () => {
    const pkg = (name: string, version: string) => JSON.stringify({ name, version });
    const base = readPackageInventory(
      toCaptured(new Map([['/app/node_modules/express/package.json', pkg('express', '4.18.2')]])),
    );
    const cur = readPackageInventory(
      toCaptured(
        new Map([
          ['/app/node_modules/express/package.json', pkg('express', '4.21.0')],
          ['/app/node_modules/ms/package.json', pkg('ms', '2.1.3')],
        ]),
      ),
    );
    const a = new Attributor(base, cur);
    expect(a.attribute('modified', '/app/node_modules/express/lib/router.js', 'LangNode')).toMatchObject({
      cause: 'PackageUpdate',
      package: 'npm:express',
    });
    expect(a.attribute('added', '/app/node_modules/ms/index.js', 'LangNode').cause).toBe('NewDependency');
    expect(a.packageChanges().map((p) => [p.name, p.cause, p.purl])).toEqual([
      ['express', 'PackageUpdate', 'pkg:npm/express@4.21.0'],
      ['ms', 'NewDependency', 'pkg:npm/ms@2.1.3'],
    ]);
  });
});
