import { stringify } from 'yaml';
import { defaultFacets, loadFacetsFile } from '../facets/load.ts';
import { defineCommand } from './command.ts';
import { print } from './context.ts';
import { EXIT, usageError } from './errors.ts';

const USAGE = 'stella facets [--facets FILE] [--format yaml|json]';

/** Prints the effective facet definitions, in precedence order, with their quotas. */
export const facetsCommand = defineCommand(
  {
    name: 'facets',
    usage: USAGE,
    options: { facets: { type: 'string' }, format: { type: 'string', default: 'yaml' } },
    positionals: 0,
  },
  async ({ values }, ctx) => {
    const facets = values.facets === undefined ? defaultFacets() : await loadFacetsFile(values.facets);
    if (values.format === 'json') print(ctx.stdout, JSON.stringify({ facets }, null, 2));
    else if (values.format === 'yaml') print(ctx.stdout, stringify({ facets }));
    else throw usageError(`stella facets: unknown --format "${values.format}"`, USAGE);
    return EXIT.ok;
  },
);
