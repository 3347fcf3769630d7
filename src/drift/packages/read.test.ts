import { describe, expect, it } from 'vitest';
import { readPackageInventory, usrMergeAlias } from './read.ts';
import { npmPackageDir } from './npm.ts';
import { dpkgDatabase, toCaptured } from './test-databases.ts';

describe('dpkg database', () => {
  const files = dpkgDatabase([
    {
      name: 'bash',
      version: '5.2.15-2+b7',
      files: ['/bin/bash', '/etc/bash.bashrc'],
      conffiles: ['/etc/bash.bashrc'],
    },
    {
      name: 'libc6',
      version: '2.36-9+deb12u4',
      arch: 'amd64',
      multiArch: 'same',
      source: 'glibc',
      files: ['/lib/x86_64-linux-gnu/libc.so.6'],
    },
    { name: 'old', version: '1.0', status: 'deinstall ok config-files', files: ['/etc/old.conf'] },
  ]);
  const inv = readPackageInventory(toCaptured(files));

  it('reads installed packages with versions, naming multi-arch packages name:arch', () => {
    expect([...inv.packages.keys()].sort()).toEqual(['deb:bash', 'deb:libc6:amd64']);
    expect(inv.packages.get('deb:libc6:amd64')).toMatchObject({
      name: 'libc6',
      version: '2.36-9+deb12u4',
      arch: 'amd64',
      sourceName: 'glibc',
    });
    expect(inv.notes).toEqual([]);
  });

  it('owns files by info/*.list, through the /usr merge, and dpkg info files by their package', () => {
    expect(inv.ownerOf('/bin/bash')?.name).toBe('bash');
    expect(inv.ownerOf('/usr/bin/bash')?.name).toBe('bash');
    expect(inv.ownerOf('/usr/lib/x86_64-linux-gnu/libc.so.6')?.name).toBe('libc6');
    expect(inv.ownerOf('/var/lib/dpkg/info/libc6:amd64.md5sums')?.name).toBe('libc6');
    expect(inv.ownerOf('/etc/old.conf')).toBeUndefined();
    expect(inv.ownerOf('/etc/hostname')).toBeUndefined();
  });

  it('reads conffiles and md5sums', () => {
    expect([...inv.packages.get('deb:bash')!.conffiles!]).toEqual(['/etc/bash.bashrc']);
    expect(inv.packages.get('deb:bash')!.md5sums!.has('/bin/bash')).toBe(true);
  });

  it('falls back to versionless packages from the lists when status is corrupt, with a note', () => {
    const corrupt = new Map(files);
    corrupt.set('/var/lib/dpkg/status', 'Package: bash\nthis is not a field\n');
    const bad = readPackageInventory(toCaptured(corrupt));
    expect(bad.ownerOf('/bin/bash')).toMatchObject({ name: 'bash', version: null });
    expect(bad.notes.join()).toContain('/var/lib/dpkg/status');
  });

  it('maps usrmerge aliases both ways', () => {
    expect(usrMergeAlias('/usr/lib/x/y.so')).toBe('/lib/x/y.so');
    expect(usrMergeAlias('/sbin/init')).toBe('/usr/sbin/init');
    expect(usrMergeAlias('/usr/share/x')).toBeUndefined();
  });
});

describe('apk database', () => {
  it('reads P/V/A and owns F/R files', () => {
    const text =
      'C:Q1abc=\nP:musl\nV:1.2.4-r2\nA:x86_64\no:musl\nF:lib\nR:ld-musl-x86_64.so.1\nR:libc.musl-x86_64.so.1\n\nP:busybox\nV:1.36.1-r5\nF:bin\nR:busybox\n\n';
    const inv = readPackageInventory(toCaptured(new Map([['/lib/apk/db/installed', text]])));
    expect(inv.ownerOf('/lib/ld-musl-x86_64.so.1')).toMatchObject({
      name: 'musl',
      version: '1.2.4-r2',
      ecosystem: 'apk',
    });
    expect(inv.ownerOf('/bin/busybox')?.name).toBe('busybox');
  });

  it('notes a corrupt database', () => {
    const inv = readPackageInventory(toCaptured(new Map([['/lib/apk/db/installed', 'garbage\n']])));
    expect(inv.packages.size).toBe(0);
    expect(inv.notes[0]).toContain('/lib/apk/db/installed');
  });
});

describe('npm packages', () => {
  const files = new Map<string, string>([
    ['/app/node_modules/a/package.json', JSON.stringify({ name: 'a', version: '1.0.0' })],
    ['/app/node_modules/a/node_modules/b/package.json', JSON.stringify({ name: 'b', version: '2.0.0' })],
    ['/app/node_modules/@s/c/package.json', JSON.stringify({ name: '@s/c', version: '3.0.0' })],
    ['/app/node_modules/bad/package.json', '{ not json'],
  ]);
  const inv = readPackageInventory(toCaptured(files));

  it('gives a file to the deepest node_modules package above it', () => {
    expect(inv.ownerOf('/app/node_modules/a/index.js')?.name).toBe('a');
    expect(inv.ownerOf('/app/node_modules/a/node_modules/b/lib/x.js')?.name).toBe('b');
    expect(inv.ownerOf('/app/node_modules/@s/c/dist/c.js')?.name).toBe('@s/c');
    expect(inv.ownerOf('/app/node_modules/.bin/a')).toBeUndefined();
    expect(inv.ownerOf('/app/package.json')).toBeUndefined();
  });

  it('keeps a package whose package.json is corrupt, without a version, and notes it', () => {
    expect(inv.ownerOf('/app/node_modules/bad/index.js')).toMatchObject({ version: null });
    expect(inv.notes.join()).toContain('/app/node_modules/bad/package.json');
  });

  it('finds the package directory of a path', () => {
    expect(npmPackageDir('/x/node_modules/@s/c/package.json')).toBe('/x/node_modules/@s/c');
    expect(npmPackageDir('/x/node_modules/a')).toBeUndefined();
  });
});

describe('Python distributions', () => {
  it('reads METADATA and owns the RECORD files', () => {
    const site = '/usr/lib/python3/dist-packages';
    const files = new Map<string, string>([
      [
        `${site}/PyYAML-6.0.1.dist-info/METADATA`,
        'Metadata-Version: 2.1\nName: PyYAML\nVersion: 6.0.1\n\nlong text: here\n',
      ],
      [
        `${site}/PyYAML-6.0.1.dist-info/RECORD`,
        'yaml/__init__.py,sha256=x,100\n"yaml/odd,name.py",,\n../../../bin/yamlcli,,\nPyYAML-6.0.1.dist-info/RECORD,,\n',
      ],
    ]);
    const inv = readPackageInventory(toCaptured(files));
    expect(inv.ownerOf(`${site}/yaml/__init__.py`)).toMatchObject({
      name: 'PyYAML',
      version: '6.0.1',
      ecosystem: 'pypi',
    });
    expect(inv.ownerOf(`${site}/yaml/odd,name.py`)?.name).toBe('PyYAML');
    expect(inv.ownerOf('/usr/bin/yamlcli')?.name).toBe('PyYAML');
  });
});

describe('Go vendor trees', () => {
  it('gives vendored files to the longest module prefix', () => {
    const text =
      '# github.com/a/b v1.2.3\n## explicit; go 1.21\ngithub.com/a/b\ngithub.com/a/b/sub\n# github.com/a/b/v2 v2.0.0 => github.com/fork/b/v2 v2.0.1\n## explicit\ngithub.com/a/b/v2\n';
    const inv = readPackageInventory(toCaptured(new Map([['/src/vendor/modules.txt', text]])));
    expect(inv.ownerOf('/src/vendor/github.com/a/b/sub/x.go')).toMatchObject({
      name: 'github.com/a/b',
      version: 'v1.2.3',
    });
    expect(inv.ownerOf('/src/vendor/github.com/a/b/v2/x.go')).toMatchObject({
      name: 'github.com/a/b/v2',
      version: 'v2.0.1',
    });
  });

  it('notes a corrupt modules.txt', () => {
    const inv = readPackageInventory(toCaptured(new Map([['/src/vendor/modules.txt', 'orphan/package\n']])));
    expect(inv.notes[0]).toContain('/src/vendor/modules.txt');
  });
});
