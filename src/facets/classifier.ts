import type { FacetDefinition } from '../model/facet.ts';
import { globsLiterals, globsSource } from './glob.ts';
import { classifierFromMatchers, type FacetMatchers } from './matchers.ts';

/** Decides facet membership: first facet in declaration order that includes and does not exclude. */
export interface FacetClassifier {
  readonly facets: readonly FacetDefinition[];
  /** Index into `facets`, or -1 when the path belongs to no facet. */
  classify(absolutePath: string): number;
}

export function compileClassifier(facets: readonly FacetDefinition[]): FacetClassifier {
  return { facets, classify: classifierFromMatchers(compileMatchers(facets)) };
}

/**
 * Each facet's include and exclude globs, compiled (SPEC §5) into one regular expression's source each,
 * with the literals that let the classifier skip an include that cannot match.
 */
export function compileMatchers(facets: readonly FacetDefinition[]): FacetMatchers {
  return facets.map((facet) => ({
    include: globsSource(facet.includeGlobs),
    exclude: globsSource(facet.excludeGlobs),
    includeAnyOf: globsLiterals(facet.includeGlobs),
  }));
}
