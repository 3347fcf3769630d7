import { SealError, makeInclusionProof } from '../seal/index.ts';
import { parseFlags, requirePositionals } from './args.ts';
import { print, type Command } from './context.ts';
import { EXIT } from './errors.ts';
import { readSealSetFile } from './seals-file.ts';
import { writeFileAtomic } from './write-atomic.ts';

const USAGE = 'stella prove SEALS_FILE PATH [--output FILE]';

/** Prints the inclusion proof of one path: enough to check it later without the rest of the manifest. */
export const proveCommand: Command = async (args, ctx) => {
  const { values, positionals } = parseFlags(
    'prove',
    args,
    { output: { type: 'string', short: 'o' }, help: { type: 'boolean' } },
    USAGE,
  );
  if (values.help) {
    print(ctx.stdout, USAGE);
    return EXIT.ok;
  }
  requirePositionals('prove', positionals, 2, USAGE);
  const [file, path] = positionals as [string, string];
  const sealSet = await readSealSetFile(file);
  const seal = sealSet.seals.find((s) => s.manifest.files.some((f) => f.path === path));
  if (seal === undefined) {
    throw new SealError('PROOF_PATH_NOT_FOUND', `${path} is in no sealed facet of ${file}`);
  }
  const text = JSON.stringify(makeInclusionProof(seal, path), null, 2);
  if (values.output === undefined) print(ctx.stdout, text);
  else await writeFileAtomic(values.output, `${text}\n`);
  return EXIT.ok;
};
