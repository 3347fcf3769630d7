import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/main.ts';
import { captureContext } from '../../src/cli/test-context.ts';
import { SealSet } from '../../src/model/seal.ts';
import { writeOciArchive, writeOciLayout, type FixtureImage } from '../fixtures/index.ts';

const image: FixtureImage = {
  layers: [
    {
      entries: [
        { type: 'file', path: 'usr/bin/env', content: '#!env\n', mode: 0o755 },
        { type: 'file', path: 'usr/bin/su', content: 'su-binary', mode: 0o4755 },
        { type: 'file', path: 'etc/os-release', content: 'ID=debian\n' },
        { type: 'file', path: 'var/lib/dpkg/status', content: 'Package: base-files\n' },
        { type: 'symlink', path: 'usr/bin/sh', target: 'dash' },
        { type: 'file', path: 'usr/share/doc/readme', content: 'unmatched' },
      ],
      compression: 'gzip',
    },
    {
      entries: [
        {
          type: 'file',
          path: 'app/node_modules/left-pad/package.json',
          content: '{"name":"left-pad","version":"1.3.0"}',
        },
        { type: 'file', path: 'etc/app.conf', content: 'x=1\n' },
      ],
      compression: 'zstd',
    },
  ],
};

let dir: string;
let env: Record<string, string>;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'zastava-cli-seal-'));
  env = { ZASTAVA_DATA_DIR: join(dir, 'data'), STELLA_SEALED_BY: 'ci@test' };
  await writeOciLayout(join(dir, 'layout'), image, { tag: 'v1' });
  await writeOciArchive(join(dir, 'image.tar'), image, { tag: 'v1' });
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function stella(...args: string[]) {
  const ctx = captureContext(env);
  const code = await runCli(args, ctx);
  return { code, out: ctx.out(), err: ctx.err() };
}

describe('stella keys, seal, verify, prove, verify-proof', () => {
  it('generates a key pair with a private file of mode 0600', async () => {
    const r = await stella('keys', 'generate', '--output-prefix', join(dir, 'k'));
    expect(r.code).toBe(0);
    const { stat } = await import('node:fs/promises');
    expect((await stat(join(dir, 'k.key'))).mode & 0o777).toBe(0o600);
    expect(await readFile(join(dir, 'k.pub'), 'utf8')).toContain('BEGIN PUBLIC KEY');
    expect((await stella('keys', 'generate', '--output-prefix', join(dir, 'k'))).code).toBe(2);
  });

  it('seals every facet, empty ones included, and verifies the file', async () => {
    const out = join(dir, 'seals.json');
    const r = await stella(
      'seal',
      `oci:${join(dir, 'layout')}:v1`,
      '--key',
      join(dir, 'k.key'),
      '--output',
      out,
    );
    expect(r.code, r.err).toBe(0);
    const set = SealSet.parse(JSON.parse(await readFile(out, 'utf8')));
    expect(set.seals.map((s) => s.manifest.facetId)).toEqual([
      'os',
      'lang/node',
      'lang/python',
      'lang/go',
      'binary',
      'config',
    ]);
    const binary = set.seals.find((s) => s.manifest.facetId === 'binary')!;
    expect(binary.manifest.files.map((f) => [f.path, f.mode, f.type])).toEqual([
      ['/usr/bin/env', '0755', 'file'],
      ['/usr/bin/sh', '0777', 'symlink'],
      ['/usr/bin/su', '4755', 'file'],
    ]);
    const python = set.seals.find((s) => s.manifest.facetId === 'lang/python')!;
    expect(python.manifest.merkleRoot).toBe(
      'sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
    );
    expect(set.report?.unmatchedFiles).toBe(1);

    const v = await stella(
      'verify',
      out,
      '--key',
      join(dir, 'k.pub'),
      '--image',
      `oci:${join(dir, 'layout')}:v1`,
    );
    expect(v.code, v.out + v.err).toBe(0);
  });

  it('--facet only filters the output, --report-unmatched counts, --format in-toto writes a Statement', async () => {
    const out = join(dir, 'config.json');
    const key = join(dir, 'k.key');
    const image = `oci:${join(dir, 'layout')}:v1`;
    const r = await stella(
      'seal',
      image,
      '--key',
      key,
      '--facet',
      'config',
      '--report-unmatched',
      '--output',
      out,
    );
    expect(r.code, r.err).toBe(0);
    expect(r.err).toContain('1 files matched no facet');
    const set = SealSet.parse(JSON.parse(await readFile(out, 'utf8')));
    // Membership is decided against the whole ordered list (SPEC §5): the node_modules package.json
    // stays in lang/node, not in config, although only config is written.
    expect(set.seals.map((s) => [s.manifest.facetId, s.manifest.files.map((f) => f.path)])).toEqual([
      ['config', ['/etc/app.conf', '/etc/os-release']],
    ]);

    const statementFile = join(dir, 'in-toto.json');
    expect(
      (await stella('seal', image, '--key', key, '--format', 'in-toto', '--output', statementFile)).code,
    ).toBe(0);
    const envelope = JSON.parse(await readFile(statementFile, 'utf8')) as {
      payloadType: string;
      payload: string;
    };
    expect(envelope.payloadType).toBe('application/vnd.in-toto+json');
    const statement = JSON.parse(Buffer.from(envelope.payload, 'base64').toString('utf8')) as {
      _type: string;
      predicateType: string;
      subject: { name: string; digest: { sha256: string } }[];
      predicate: { seals: { facetId: string; imageDigest: string }[] };
    };
    expect(statement).toMatchObject({
      _type: 'https://in-toto.io/Statement/v1',
      predicateType: 'https://stellaops.io/FacetSeal/v1',
      subject: [{ name: `oci:${join(dir, 'layout')}` }],
    });
    const digest = `sha256:${statement.subject[0]!.digest.sha256}`;
    expect(statement.predicate.seals.map((p) => p.facetId)).toEqual([
      'os',
      'lang/node',
      'lang/python',
      'lang/go',
      'binary',
      'config',
    ]);
    expect(new Set(statement.predicate.seals.map((p) => p.imageDigest))).toEqual(new Set([digest]));
  });

  it('gives the same roots for the OCI layout and the oci-archive of one image', async () => {
    const a = await stella(
      'seal',
      `oci:${join(dir, 'layout')}:v1`,
      '--key',
      join(dir, 'k.key'),
      '--format',
      'json',
    );
    const b = await stella(
      'seal',
      `oci-archive:${join(dir, 'image.tar')}:v1`,
      '--key',
      join(dir, 'k.key'),
      '--format',
      'json',
    );
    const roots = (text: string) => SealSet.parse(JSON.parse(text)).seals.map((s) => s.manifest.merkleRoot);
    expect(roots(a.out)).toEqual(roots(b.out));
  });

  it('fails verification for a tampered file and for a foreign key', async () => {
    const out = join(dir, 'seals.json');
    const set = JSON.parse(await readFile(out, 'utf8')) as SealSet;
    set.seals[4]!.manifest.files[0]!.size += 1;
    await writeFile(join(dir, 'tampered.json'), JSON.stringify(set));
    const t = await stella('verify', join(dir, 'tampered.json'), '--key', join(dir, 'k.pub'));
    expect(t.code).toBe(1);
    expect(t.out).toContain('FAIL  seal 4 (binary)');
    await stella('keys', 'generate', '--output-prefix', join(dir, 'other'));
    const f = await stella('verify', out, '--key', join(dir, 'other.pub'));
    expect(f.code).toBe(1);
    expect(f.out).toContain('SEAL_SIGNATURE_UNTRUSTED');
  });

  it('proves one path and checks the proof against the signed root', async () => {
    const proof = join(dir, 'proof.json');
    expect((await stella('prove', join(dir, 'seals.json'), '/usr/bin/su', '--output', proof)).code).toBe(0);
    const ok = await stella('verify-proof', proof, '--key', join(dir, 'k.pub'));
    expect(ok.code, ok.err).toBe(0);
    expect(ok.out).toContain('/usr/bin/su');
    const bad = await stella('verify-proof', proof, '--key', join(dir, 'other.pub'));
    expect(bad.code).toBe(1);
  });

  it('creates a default key on first use and says where', async () => {
    const r = await stella('seal', `oci:${join(dir, 'layout')}:v1`, '--format', 'table');
    expect(r.code, r.err).toBe(0);
    expect(r.err).toContain('created a signing key');
    expect(r.out).toContain('MERKLE ROOT');
  });

  it('refuses an unknown facet, an unknown transport and a missing key file, leaving no output', async () => {
    const out = join(dir, 'never.json');
    const before = await readdir(dir);
    const a = await stella('seal', `oci:${join(dir, 'layout')}:v1`, '--facet', 'nope', '--output', out);
    expect(a.err).toContain('FACET_UNKNOWN');
    const b = await stella('seal', 'ftp:whatever', '--output', out);
    expect(b.code).toBe(1);
    const c = await stella(
      'seal',
      `oci:${join(dir, 'layout')}:v1`,
      '--key',
      join(dir, 'k.pub'),
      '--output',
      out,
    );
    expect(c.code).toBe(1);
    // The key loads while the layers are read: its own error is reported, not the aborted read.
    expect(c.err).toMatch(/KEY_INVALID[^\n]*k\.pub/);
    expect(c.err).not.toMatch(/abort/i);
    expect(await readdir(dir)).toEqual(before);
  });
});
