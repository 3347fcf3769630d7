import { defaultFacets, loadFacetsFile } from '../facets/load.ts';
import { ZastavaError } from '../model/errors.ts';
import { verifySeal } from '../seal/index.ts';
import { readImage } from '../seal/seal-image.ts';
import { defineCommand } from './command.ts';
import { print } from './context.ts';
import { EXIT } from './errors.ts';
import { IMAGE_FLAGS, IMAGE_FLAGS_USAGE, imageOptions } from './image-options.ts';
import { resolveTrust } from './key-options.ts';
import { readSealSetFile } from './seals-file.ts';

const USAGE = `stella verify SEALS_FILE (--key PUB | --keyring FILE) [--image IMAGE [--facets FILE] ${IMAGE_FLAGS_USAGE}]`;

/**
 * Exit 0 only when every seal passes every check of SPEC §7; with `--image`, the image is read again
 * and each sealed facet's Merkle root must equal the one recomputed from the image.
 */
export const verifyCommand = defineCommand(
  {
    name: 'verify',
    usage: USAGE,
    options: {
      key: { type: 'string' },
      keyring: { type: 'string' },
      image: { type: 'string' },
      facets: { type: 'string' },
      ...IMAGE_FLAGS,
    },
    positionals: 1,
  },
  async ({ values, positionals }, ctx) => {
    const trust = await resolveTrust('verify', values, USAGE);
    const file = positionals[0]!;
    const sealSet = await readSealSetFile(file);

    let failures = 0;
    const verifiedRoots = new Map<string, string>();
    for (const [i, seal] of sealSet.seals.entries()) {
      const label = `seal ${i} (${seal.manifest.facetId})`;
      try {
        const { payload, keyId } = verifySeal(seal, trust);
        if (payload.imageDigest !== sealSet.imageDigest || payload.configDigest !== sealSet.configDigest) {
          throw new ZastavaError(
            'SEAL_OUTER_MISMATCH',
            `signed image ${payload.imageDigest} is not the file's ${sealSet.imageDigest}`,
          );
        }
        verifiedRoots.set(payload.facetId, payload.manifest.merkleRoot);
        print(
          ctx.stdout,
          `ok    ${label}: ${payload.manifest.fileCount} files, root ${payload.manifest.merkleRoot}, key ${keyId}`,
        );
      } catch (error) {
        failures++;
        const code: string = error instanceof ZastavaError ? (error.code as string) : 'INTERNAL';
        const message = error instanceof Error ? error.message : String(error);
        print(ctx.stdout, `FAIL  ${label}: [${code}] ${message}`);
      }
    }

    if (values.image !== undefined && failures === 0) {
      const facets = values.facets === undefined ? defaultFacets() : await loadFacetsFile(values.facets);
      const read = await readImage(values.image, {
        facets,
        open: imageOptions(values, ctx),
        sealedBy: 'verify',
      });
      for (const [facetId, sealedRoot] of verifiedRoots) {
        const manifest = read.manifests.find((m) => m.facetId === facetId);
        if (manifest === undefined) {
          failures++;
          print(
            ctx.stdout,
            `FAIL  image: facet ${facetId} is not in the facet definitions used to read the image`,
          );
        } else if (manifest.merkleRoot !== sealedRoot) {
          failures++;
          print(
            ctx.stdout,
            `FAIL  image: facet ${facetId} root ${manifest.merkleRoot} differs from the sealed ${sealedRoot}`,
          );
        } else {
          print(ctx.stdout, `ok    image: facet ${facetId} matches`);
        }
      }
      if (read.imageDigest !== sealSet.imageDigest) {
        print(
          ctx.stdout,
          `note  image digest ${read.imageDigest} differs from the sealed ${sealSet.imageDigest} (content compared by roots)`,
        );
      }
    }
    if (failures > 0) print(ctx.stderr, `error[VERIFY_FAILED]: ${failures} check(s) failed in ${file}`);
    return failures === 0 ? EXIT.ok : EXIT.error;
  },
);
