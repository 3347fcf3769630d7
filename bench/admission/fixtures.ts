import type { FixtureEntry, FixtureImage } from '../../test/fixtures/index.ts';

/**
 * The benchmark's images, built with the project's fixture code: a small "app" image with files in four
 * of the default facets (os, lang/node, binary, config), and a drifted version of it that stays inside
 * the default Block and RequireVex quotas (os 1/41 files = 2.4 % < 5 %, lang/node 2/61 = 3.3 % < 10 %,
 * binary unchanged) and goes over the config facet's Warn quota (3/10 = 30 % > 20 %): the webhook allows
 * it with warnings, e2e scenario 2's shape.
 */
function baseEntries(): FixtureEntry[] {
  const entries: FixtureEntry[] = [
    { type: 'file', path: '/var/lib/dpkg/status', content: 'Package: base-files\nVersion: 12.4\n' },
  ];
  for (let i = 0; i < 40; i++)
    entries.push({ type: 'file', path: `/var/lib/dpkg/info/pkg${i}.list`, content: `/usr/share/pkg${i}\n` });
  entries.push({ type: 'file', path: '/app/package.json', content: '{"name":"app","version":"1.0.0"}\n' });
  for (let i = 0; i < 60; i++)
    entries.push({
      type: 'file',
      path: `/app/node_modules/dep${i}/index.js`,
      content: `module.exports = ${i};\n`,
    });
  entries.push({ type: 'file', path: '/usr/bin/app', content: 'ELF app build 1', mode: 0o755 });
  for (let i = 0; i < 5; i++)
    entries.push({ type: 'file', path: `/usr/lib/x86_64-linux-gnu/libdep${i}.so.1`, content: `lib ${i}` });
  for (let i = 0; i < 10; i++)
    entries.push({ type: 'file', path: `/etc/app/conf${i}.conf`, content: `key${i}=1\n` });
  return entries;
}

export const BASELINE_IMAGE: FixtureImage = { layers: [{ entries: baseEntries() }] };

export const DRIFTED_IMAGE: FixtureImage = {
  layers: [
    { entries: baseEntries() },
    {
      entries: [
        { type: 'file', path: '/var/lib/dpkg/info/pkg0.list', content: '/usr/share/pkg0\n/usr/share/new\n' },
        { type: 'file', path: '/app/node_modules/dep0/index.js', content: 'module.exports = 100;\n' },
        { type: 'file', path: '/app/node_modules/dep1/index.js', content: 'module.exports = 101;\n' },
        { type: 'file', path: '/etc/app/conf0.conf', content: 'key0=2\n' },
        { type: 'file', path: '/etc/app/conf1.conf', content: 'key1=2\n' },
        { type: 'file', path: '/etc/app/conf2.conf', content: 'key2=2\n' },
      ],
    },
  ],
};

/** Repositories in the loopback registry; each holds both images, its baseline is the first. */
export const REPOSITORIES = ['shop/web', 'shop/api', 'shop/proxy'] as const;

/**
 * A repository set up like the others but never in the load's reviews: phase (d) approves its baselines
 * back and forth while the load runs, and the load's decisions stay what they are.
 */
export const PROBE_REPOSITORY = 'shop/probe';
