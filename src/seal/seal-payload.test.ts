import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FacetFileEntry } from '../model/manifest.ts';
import { FacetSealPayload } from '../model/seal.ts';
import { canonicalJson } from './canonical.ts';
import { signEnvelope, signEnvelopeText } from './dsse.ts';
import { generateKeyPair } from './keys.ts';
import { buildSealPayload, isPlainValidEntry, sealCheckedManifest, sealManifest } from './seal.ts';
import { createSigner } from './signer.ts';
import { manifestOf, sealRequest } from './test-support.ts';

const signer = createSigner(generateKeyPair().privateKey);
const code = (c: string): Error => expect.objectContaining({ code: c }) as Error;
const payloadText = (b64: string): string => Buffer.from(b64, 'base64').toString('utf8');

/** test/vectors/merkle.json (a copy of ../shared/vectors/merkle.json): every case's entries, with a modTime, as manifests. */
const vectors = JSON.parse(
  readFileSync(new URL('../../test/vectors/merkle.json', import.meta.url), 'utf8'),
) as { cases: Array<{ name: string; entries: Array<Omit<FacetFileEntry, 'modTime'>> }> };

describe('the seal payload fast path', () => {
  it('accepts an entry only when FacetFileEntry does (random entries, valid and not)', () => {
    const valid = fc.record(
      {
        path: fc.string().map((s) => `/${s}`),
        type: fc.constantFrom('file', 'symlink'),
        contentHash: fc.constant(`sha256:${'ab'.repeat(32)}`),
        size: fc.maxSafeNat(),
        mode: fc.constantFrom('0644', '4755', '0777'),
        modTime: fc.constant('2024-01-01T00:00:00.000Z'),
        linkTarget: fc.string(),
      },
      { requiredKeys: ['path', 'type', 'contentHash', 'size', 'mode', 'modTime'] },
    );
    // Bad values for each field, one or two of which replace the good ones.
    const bad: Record<string, unknown[]> = {
      path: ['relative', '', 7, undefined],
      type: ['dir', 'File', undefined],
      contentHash: [`sha256:${'AB'.repeat(32)}`, `sha256:${'a'.repeat(63)}`, `sha512:${'ab'.repeat(32)}`, 1],
      size: [-1, 2 ** 53, 1.5, '7', Number.NaN, undefined],
      mode: ['0800', '644', '00644', 644],
      modTime: ['2024-01-01T00:00:00Z', '2024-01-01T00:00:00.000+01:00', 0],
      linkTarget: [undefined, 3, 'x'],
    };
    const field = fc.constantFrom(...Object.keys(bad));
    const entry = fc.tuple(valid, fc.array(fc.tuple(field, fc.nat()), { maxLength: 2 })).map(([e, edits]) => {
      const out: Record<string, unknown> = { ...e };
      for (const [k, i] of edits) out[k] = bad[k]![i % bad[k]!.length];
      return out;
    });
    let accepted = 0;
    fc.assert(
      fc.property(entry, (e) => {
        if (isPlainValidEntry(e as FacetFileEntry)) {
          accepted++;
          expect(FacetFileEntry.safeParse(e).success).toBe(true);
        }
      }),
      { numRuns: 3000 },
    );
    // The property is not vacuous: valid entries do take the fast path.
    expect(accepted).toBeGreaterThan(0);
  });

  it('signs RFC 8785 text, the same payload as the full schema parse, for every shared Merkle vector', async () => {
    for (const c of vectors.cases) {
      const files = c.entries.map((e) => ({
        ...e,
        modTime: '2026-01-01T00:00:00.000Z',
        ...(e.type === 'symlink' ? { linkTarget: 'target' } : {}),
      }));
      const request = { ...sealRequest(), manifest: manifestOf(files) };
      const seal = await sealManifest(request, signer);
      const text = payloadText(seal.envelope.payload);
      expect(text, c.name).toBe(canonicalJson(JSON.parse(text)));
      expect(text, c.name).toBe(canonicalJson(buildSealPayload(request)));
      // What the slow path (the schema over every file) would have produced.
      const payload = buildSealPayload({ ...request, sealId: request.sealId, sealedAt: request.sealedAt });
      expect(FacetSealPayload.parse(payload), c.name).toEqual(payload);
    }
  });

  it('sealCheckedManifest signs what sealManifest signs', async () => {
    const request = sealRequest();
    const [a, b] = [await sealManifest(request, signer), await sealCheckedManifest(request, signer)];
    expect(b.envelope).toEqual(a.envelope);
    expect(b.rootEnvelope).toEqual(a.rootEnvelope);
  });

  it('still names the field of an invalid file (the schema decides when the fast check declines)', async () => {
    const request = sealRequest();
    const files = request.manifest.files.map((f, i) => (i === 2 ? { ...f, modTime: '2026-01-01' } : f));
    await expect(
      sealCheckedManifest({ ...request, manifest: { ...request.manifest, files } }, signer),
    ).rejects.toThrow(code('SEAL_INPUT_INVALID'));
    expect(() => buildSealPayload({ ...request, manifest: { ...request.manifest, files } })).toThrow(
      /manifest\.files\.2\.modTime/,
    );
  });

  it('signEnvelopeText gives the envelope signEnvelope gives for the UTF-8 bytes (Ed25519 and ECDSA verify)', async () => {
    for (const text of ['', '{"a":"é😀"}', 'x'.repeat(70_000)]) {
      const type = 'application/vnd.example+json';
      expect(await signEnvelopeText(type, text, signer)).toEqual(
        await signEnvelope(type, Buffer.from(text, 'utf8'), signer),
      );
    }
    await expect(signEnvelopeText('t', 'a\ud800', signer)).rejects.toThrow(code('DSSE_ENVELOPE_INVALID'));
  });
});
