import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { entriesBetween, isSecurityUpgrade, parseDebianChangelog, readDebianChangelog } from './changelog.ts';
import { PackageDbCorrupt } from './errors.ts';

const CHANGELOG = `openssl (3.0.15-1~deb12u1) bookworm-security; urgency=medium

  * Import 3.0.15
    - CVE-2024-5535 (Possible buffer overread in SSL_select_next_proto).
    - cve-2024-6119 (Possible denial of service in X.509 name checks).

 -- Sebastian Andrzej Siewior <sebastian@breakpoint.cc>  Thu, 05 Sep 2024 21:58:19 +0200

openssl (3.0.14-1~deb12u2) bookworm; urgency=medium

  * Point release fixes; CVE-2024-4741 noted again: CVE-2024-4741.

 -- Sebastian Andrzej Siewior <sebastian@breakpoint.cc>  Sat, 29 Jun 2024 22:27:54 +0200

openssl (3.0.13-1~deb12u1) bookworm; urgency=medium

  * Import 3.0.13.

 -- Sebastian Andrzej Siewior <sebastian@breakpoint.cc>  Sat, 03 Feb 2024 12:05:51 +0100

Local variables:
mode: debian-changelog
End:
`;

describe('Debian changelog parsing', () => {
  it('reads package, version, suites, urgency and the CVE ids of each entry', () => {
    const entries = parseDebianChangelog('c', CHANGELOG);
    expect(entries).toEqual([
      {
        package: 'openssl',
        version: '3.0.15-1~deb12u1',
        suites: ['bookworm-security'],
        urgency: 'medium',
        cves: ['CVE-2024-5535', 'CVE-2024-6119'],
      },
      {
        package: 'openssl',
        version: '3.0.14-1~deb12u2',
        suites: ['bookworm'],
        urgency: 'medium',
        cves: ['CVE-2024-4741'],
      },
      { package: 'openssl', version: '3.0.13-1~deb12u1', suites: ['bookworm'], urgency: 'medium', cves: [] },
    ]);
  });

  it('selects the entries after the old version up to the new one, by dpkg ordering', () => {
    const entries = parseDebianChangelog('c', CHANGELOG);
    const between = entriesBetween(entries, '3.0.13-1~deb12u1', '3.0.15-1~deb12u1');
    expect(between.map((e) => e.version)).toEqual(['3.0.15-1~deb12u1', '3.0.14-1~deb12u2']);
    expect(isSecurityUpgrade(between)).toBe(true);
    expect(isSecurityUpgrade(entriesBetween(entries, '3.0.11-1', '3.0.13-1~deb12u1'))).toBe(false);
  });

  it('calls an upgrade from a -security suite security even without CVE ids', () => {
    const text =
      'x (1.1) bookworm-security; urgency=high\n\n  * Fix.\n\n -- A <a@b>  Mon, 01 Jan 2024 00:00:00 +0000\n';
    expect(isSecurityUpgrade(parseDebianChangelog('c', text))).toBe(true);
  });

  it('gunzips changelog.Debian.gz', () => {
    expect(readDebianChangelog('c.gz', gzipSync(CHANGELOG))).toHaveLength(3);
  });

  it('refuses a truncated gzip stream, a non-changelog and an empty file as corrupt', () => {
    const gz = gzipSync(CHANGELOG);
    expect(() => readDebianChangelog('c.gz', gz.subarray(0, gz.length - 10))).toThrow(PackageDbCorrupt);
    expect(() => readDebianChangelog('c.gz', Buffer.from('plain text'))).toThrow(PackageDbCorrupt);
    expect(() => parseDebianChangelog('c', 'garbage\n')).toThrow(PackageDbCorrupt);
    expect(() => parseDebianChangelog('c', '')).toThrow(PackageDbCorrupt);
    expect(() => readDebianChangelog('c.gz', gzipSync(Buffer.from([0xff, 0xfe, 0x00])))).toThrow(
      PackageDbCorrupt,
    );
  });
});
