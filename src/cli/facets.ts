import { stringify } from 'yaml';
import { defaultFacets, loadFacetsFile } from '../facets/load.ts';
import { parseFlags } from './args.ts';
import { print, type Command } from './context.ts';
import { EXIT, usageError } from './errors.ts';

const USAGE = 'stella facets [--facets FILE] [--format yaml|json]';

/** Prints the effective facet definitions, in precedence order, with their quotas. */
export const facetsCommand: Command = async (args, ctx) => {
  const { values, positionals } = parseFlags(
    'facets',
    args,
    { facets: { type: 'string' }, format: { type: 'string', default: 'yaml' }, help: { type: 'boolean' } },
    USAGE,
  );
  if (values.help) {
    print(ctx.stdout, USAGE);
    return EXIT.ok;
  }
  if (positionals.length > 0)
    throw usageError(`stella facets: unexpected argument "${positionals[0]}"`, USAGE);
  const facets = values.facets === undefined ? defaultFacets() : await loadFacetsFile(values.facets);
  if (values.format === 'json') print(ctx.stdout, JSON.stringify({ facets }, null, 2));
  else if (values.format === 'yaml') print(ctx.stdout, stringify({ facets }));
  else throw usageError(`stella facets: unknown --format "${values.format}"`, USAGE);
  return EXIT.ok;
};
