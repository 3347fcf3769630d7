import { defineCommand } from './command.ts';
import { print } from './context.ts';
import { EXIT, usageError } from './errors.ts';
import { writeKeyPair } from './key-options.ts';

const USAGE = 'stella keys generate [--output-prefix P] [--algorithm ed25519|ecdsa-p256]';

/** `stella keys generate`: `P.key` (PKCS#8 PEM, mode 0600) and `P.pub` (SPKI PEM); default prefix `stella`. */
export const keysCommand = defineCommand(
  {
    name: 'keys',
    usage: USAGE,
    options: {
      'output-prefix': { type: 'string', default: 'stella' },
      algorithm: { type: 'string', default: 'ed25519' },
    },
  },
  async ({ values, positionals }, ctx) => {
    if (positionals.length !== 1 || positionals[0] !== 'generate') {
      throw usageError('stella keys: the only subcommand is "generate"', USAGE);
    }
    const algorithm = values.algorithm;
    if (algorithm !== 'ed25519' && algorithm !== 'ecdsa-p256') {
      throw usageError(`stella keys: unknown --algorithm "${algorithm}"`, USAGE);
    }
    const prefix = values['output-prefix'];
    await writeKeyPair(prefix, algorithm);
    print(ctx.stdout, `wrote ${prefix}.key (private, mode 0600) and ${prefix}.pub`);
    return EXIT.ok;
  },
);
