import { writeOciLayout, type BuiltImage, type FixtureEntry } from '../../fixtures/index.ts';

/**
 * The images the registry tests push and pull, in one OCI layout:
 * - `app`: three layers (gzip, zstd, uncompressed) with files in several facets, a symlink, a whiteout
 *   and an opaque directory; the uncompressed top layer lets a test flip a byte of file content
 *   without breaking the tar, so only the digest check can catch it;
 * - `multi`: an index of linux/amd64, linux/arm64 and linux/arm/v7.
 */
export interface RegistryFixtures {
  readonly layout: string;
  readonly app: BuiltImage;
  readonly multi: BuiltImage[];
}

export const APP_TOP_LAYER_CONTENT_OFFSET = 512 + 10; // inside the first file's data, past its tar header

export async function writeRegistryFixtures(layout: string): Promise<RegistryFixtures> {
  const base: FixtureEntry[] = [
    { type: 'dir', path: '/etc' },
    { type: 'file', path: '/etc/os-release', content: 'ID=zastava-test\nVERSION_ID=1\n' },
    { type: 'file', path: '/etc/passwd', content: 'root:x:0:0:root:/root:/bin/sh\n' },
    { type: 'file', path: '/usr/bin/tool', content: '#!/bin/sh\necho tool\n', mode: 0o755 },
    { type: 'symlink', path: '/usr/bin/alias', target: 'tool' },
    { type: 'file', path: '/var/cache/app/stale', content: 'stale' },
    { type: 'file', path: '/tmp/gone', content: 'removed later' },
  ];
  const middle: FixtureEntry[] = [
    {
      type: 'file',
      path: '/usr/lib/node_modules/left-pad/package.json',
      content: '{"name":"left-pad","version":"1.3.0"}',
    },
    {
      type: 'file',
      path: '/usr/lib/node_modules/left-pad/index.js',
      content: 'module.exports = (s) => s;\n',
    },
    { type: 'whiteout', path: '/tmp/gone' },
    { type: 'opaque', dir: '/var/cache/app' },
    { type: 'file', path: '/var/cache/app/fresh', content: 'fresh' },
  ];
  const top: FixtureEntry[] = [
    { type: 'file', path: '/app/server.js', content: `console.log('${'x'.repeat(200)}');\n` },
    { type: 'file', path: '/etc/app.conf', content: 'port=8080\n' },
  ];
  const [app] = await writeOciLayout(
    layout,
    {
      layers: [
        { entries: base, compression: 'gzip' },
        { entries: middle, compression: 'zstd' },
        { entries: top, compression: 'none' },
      ],
    },
    { tag: 'app' },
  );
  const platformImage = (platform: string) => ({
    platform,
    layers: [{ entries: [{ type: 'file' as const, path: '/etc/platform', content: `${platform}\n` }] }],
  });
  const multi = await writeOciLayout(
    layout,
    ['linux/amd64', 'linux/arm64', 'linux/arm/v7'].map(platformImage),
    { tag: 'multi' },
  );
  return { layout, app: app!, multi };
}
