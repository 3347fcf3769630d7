import { FacetType } from '../model/facet.ts';

/** What a submitted seal says it is, read before (or without) verification: never trusted, never thrown on. */
export interface ClaimedSeal {
  readonly sealId: string | undefined;
  readonly facetId: string | undefined;
  readonly facetType: FacetType | undefined;
}

/**
 * A submitted seal's claimed id, facet id and facet type, each `undefined` unless it is there with the
 * right type: for a reject-audit row and metric labels, about a seal that may not verify or even parse.
 */
export function claimedSeal(input: unknown): ClaimedSeal {
  const seal = (typeof input === 'object' && input !== null ? input : {}) as {
    sealId?: unknown;
    manifest?: { facetId?: unknown; type?: unknown } | null;
  };
  const type = FacetType.safeParse(seal.manifest?.type);
  return {
    sealId: typeof seal.sealId === 'string' ? seal.sealId : undefined,
    facetId: typeof seal.manifest?.facetId === 'string' ? seal.manifest.facetId : undefined,
    facetType: type.success ? type.data : undefined,
  };
}
