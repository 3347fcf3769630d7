import { SealSet } from '../model/seal.ts';
import { CliError } from './errors.ts';
import { readJsonFile } from './key-options.ts';

/** Reads a `stella seal` output file, naming the file and the field when its shape is wrong. */
export async function readSealSetFile(path: string): Promise<SealSet> {
  const raw = await readJsonFile(path);
  const parsed = SealSet.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new CliError(
      'INPUT_UNREADABLE',
      `${path}: not a seals file: ${issue.path.join('.') || '(document)'}: ${issue.message}`,
      { hint: 'a seals file is what `stella seal --format json` writes' },
    );
  }
  return parsed.data;
}
