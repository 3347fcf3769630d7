import { verifyInclusionProof } from '../seal/index.ts';
import { defineCommand } from './command.ts';
import { print } from './context.ts';
import { EXIT } from './errors.ts';
import { readJsonFile, resolveTrust } from './key-options.ts';

const USAGE = 'stella verify-proof PROOF (--key PUB | --keyring FILE)';

/** Checks one path's inclusion proof against its signed Merkle root. */
export const verifyProofCommand = defineCommand(
  {
    name: 'verify-proof',
    usage: USAGE,
    options: { key: { type: 'string' }, keyring: { type: 'string' } },
    positionals: 1,
  },
  async ({ values, positionals }, ctx) => {
    const trust = await resolveTrust('verify-proof', values, USAGE);
    const { statement, entry, keyId } = verifyInclusionProof(await readJsonFile(positionals[0]!), trust);
    print(
      ctx.stdout,
      `ok: ${entry.path} (${entry.contentHash}) is in facet ${statement.facetId} of image ${statement.imageDigest}, root ${statement.merkleRoot}, signed by ${keyId}`,
    );
    return EXIT.ok;
  },
);
