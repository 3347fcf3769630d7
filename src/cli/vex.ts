import { randomUUID } from 'node:crypto';
import { userInfo } from 'node:os';
import { generateVex } from '../vex/generate.ts';
import { signVex } from '../vex/sign.ts';
import { PLACEHOLDER_MARKER } from '../vex/acknowledgement.ts';
import { createSigner, readPrivateKeyFile } from '../seal/index.ts';
import { defineCommand } from './command.ts';
import { print, type Command } from './context.ts';
import { EXIT, usageError } from './errors.ts';
import { DRIFT_INPUT_FLAGS, driftFromArgs } from './drift.ts';
import { SUBMIT_USAGE, vexSubmit } from './vex-submit.ts';
import { readJsonFile } from './key-options.ts';
import { IMAGE_FLAGS_USAGE } from './image-options.ts';
import { writeFileAtomic } from './write-atomic.ts';

const GEN_LINE = `stella vex gen --from-drift BASE CUR [--author A] [--output FILE] [--facets FILE] [--policy FILE [--namespace NS]] [--quota FACET:field=value,…]… [--facet ID]… [--no-verify] [--key PUB | --keyring FILE] ${IMAGE_FLAGS_USAGE}`;
const GEN_USAGE = `${GEN_LINE}

Drafts one acknowledgement per facet whose verdict is RequireVex (quotas as for stella drift; a webhook
denial prints the --facet and --quota flags that reproduce its verdict), plus the fixed CVEs.`;
const SIGN_USAGE = 'stella vex sign DOC --key KEY [--output FILE]';
const USAGE = `${GEN_LINE}\n${SIGN_USAGE}\n${SUBMIT_USAGE}`;

/** `stella vex gen` drafts the OpenVEX document for a drift; `stella vex sign` wraps one in DSSE. */
export const vexCommand: Command = async (args, ctx) => {
  const [sub, ...rest] = args;
  if (sub === 'gen') return vexGen(rest, ctx);
  if (sub === 'sign') return vexSign(rest, ctx);
  if (sub === 'submit') return vexSubmit(rest, ctx);
  if (sub === '--help' || sub === '-h') {
    print(ctx.stdout, USAGE);
    return EXIT.ok;
  }
  throw usageError(
    sub === undefined ? 'stella vex: missing subcommand' : `stella vex: unknown subcommand "${sub}"`,
    USAGE,
  );
};

const vexGen = defineCommand(
  {
    name: 'vex gen',
    usage: GEN_USAGE,
    options: {
      ...DRIFT_INPUT_FLAGS,
      'from-drift': { type: 'boolean' },
      author: { type: 'string' },
      arch: { type: 'string' },
      output: { type: 'string', short: 'o' },
    },
    positionals: 2,
  },
  async ({ values, positionals }, ctx) => {
    if (!values['from-drift'])
      throw usageError('stella vex gen: --from-drift BASE CUR is required', GEN_USAGE);
    const report = await driftFromArgs('vex gen', positionals[0]!, positionals[1]!, values, ctx, GEN_USAGE);
    const document = generateVex(report, {
      author: values.author ?? ctx.env.STELLA_VEX_AUTHOR ?? defaultAuthor(),
      now: new Date(),
      id: `urn:uuid:${randomUUID()}`,
      ...(values.arch ? { arch: values.arch } : {}),
    });
    const text = `${JSON.stringify(document, null, 2)}\n`;
    if (values.output === undefined) ctx.stdout.write(text);
    else writeFileAtomic(values.output, text);
    const drafts = document.statements.filter((s) => s.status === 'not_affected').length;
    if (drafts > 0) {
      print(
        ctx.stderr,
        `${drafts} drift acknowledgement(s) drafted: replace each placeholder impact_statement, then \`stella vex sign\`.`,
      );
    }
    return EXIT.ok;
  },
);

const vexSign = defineCommand(
  {
    name: 'vex sign',
    usage: SIGN_USAGE,
    options: { key: { type: 'string' }, output: { type: 'string', short: 'o' } },
    positionals: 1,
  },
  async ({ values, positionals }, ctx) => {
    if (values.key === undefined) throw usageError('stella vex sign: --key KEY is required', SIGN_USAGE);
    const file = positionals[0]!;
    const document = await readJsonFile(file);
    if (JSON.stringify(document).includes(PLACEHOLDER_MARKER)) {
      print(
        ctx.stderr,
        `warning: ${file} still holds a placeholder impact statement: admission will refuse it`,
      );
    }
    const envelope = await signVex(document, createSigner(await readPrivateKeyFile(values.key)), file);
    const text = `${JSON.stringify(envelope, null, 2)}\n`;
    if (values.output === undefined) ctx.stdout.write(text);
    else writeFileAtomic(values.output, text);
    return EXIT.ok;
  },
);

function defaultAuthor(): string {
  try {
    return userInfo().username;
  } catch {
    return 'unknown';
  }
}
