import { verifyInclusionProof } from '../seal/index.ts';
import { parseFlags, requirePositionals } from './args.ts';
import { print, type Command } from './context.ts';
import { EXIT } from './errors.ts';
import { readJsonFile, resolveTrust } from './key-options.ts';

const USAGE = 'stella verify-proof PROOF (--key PUB | --keyring FILE)';

/** Checks one path's inclusion proof against its signed Merkle root. */
export const verifyProofCommand: Command = async (args, ctx) => {
  const { values, positionals } = parseFlags(
    'verify-proof',
    args,
    { key: { type: 'string' }, keyring: { type: 'string' }, help: { type: 'boolean' } },
    USAGE,
  );
  if (values.help) {
    print(ctx.stdout, USAGE);
    return EXIT.ok;
  }
  requirePositionals('verify-proof', positionals, 1, USAGE);
  const trust = await resolveTrust('verify-proof', values, USAGE);
  const { statement, entry, keyId } = verifyInclusionProof(await readJsonFile(positionals[0]!), trust);
  print(
    ctx.stdout,
    `ok: ${entry.path} (${entry.contentHash}) is in facet ${statement.facetId} of image ${statement.imageDigest}, root ${statement.merkleRoot}, signed by ${keyId}`,
  );
  return EXIT.ok;
};
