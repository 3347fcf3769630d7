import type { FacetDefinition } from '../model/facet.ts';
import { compileGlobs, relativeForMatch } from './glob.ts';

/** Decides facet membership: first facet in declaration order that includes and does not exclude. */
export interface FacetClassifier {
  readonly facets: readonly FacetDefinition[];
  /** Index into `facets`, or -1 when the path belongs to no facet. */
  classify(absolutePath: string): number;
}

export function compileClassifier(facets: readonly FacetDefinition[]): FacetClassifier {
  const compiled = facets.map((facet) => ({
    include: compileGlobs(facet.includeGlobs),
    exclude: compileGlobs(facet.excludeGlobs),
  }));
  return {
    facets,
    classify(absolutePath: string): number {
      const path = relativeForMatch(absolutePath);
      for (let i = 0; i < compiled.length; i++) {
        const { include, exclude } = compiled[i]!;
        if (include?.test(path) && !exclude?.test(path)) return i;
      }
      return -1;
    },
  };
}
