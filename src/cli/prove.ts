import { SealError, makeInclusionProof } from '../seal/index.ts';
import { defineCommand } from './command.ts';
import { print } from './context.ts';
import { EXIT } from './errors.ts';
import { readSealSetFile } from './seals-file.ts';
import { writeFileAtomic } from './write-atomic.ts';

const USAGE = 'stella prove SEALS_FILE PATH [--output FILE]';

/** Prints the inclusion proof of one path: enough to check it later without the rest of the manifest. */
export const proveCommand = defineCommand(
  { name: 'prove', usage: USAGE, options: { output: { type: 'string', short: 'o' } }, positionals: 2 },
  async ({ values, positionals }, ctx) => {
    const [file, path] = positionals as [string, string];
    const sealSet = await readSealSetFile(file);
    const seal = sealSet.seals.find((s) => s.manifest.files.some((f) => f.path === path));
    if (seal === undefined) {
      throw new SealError('PROOF_PATH_NOT_FOUND', `${path} is in no sealed facet of ${file}`);
    }
    const text = JSON.stringify(makeInclusionProof(seal, path), null, 2);
    if (values.output === undefined) print(ctx.stdout, text);
    else writeFileAtomic(values.output, `${text}\n`);
    return EXIT.ok;
  },
);
