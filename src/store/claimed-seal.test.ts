import { describe, expect, it } from 'vitest';
import { claimedSeal } from './claimed-seal.ts';

describe('claimedSeal', () => {
  it('reads the id, facet id and facet type a submitted seal claims', () => {
    const seal = { sealId: 's-1', manifest: { facetId: 'os', type: 'OS', entries: 'not checked here' } };
    expect(claimedSeal(seal)).toEqual({ sealId: 's-1', facetId: 'os', facetType: 'OS' });
  });

  it.each([
    ['null', null],
    ['a string', 'seal'],
    ['an array', [1]],
    ['no manifest', { sealId: 7 }],
    ['a null manifest', { manifest: null }],
    ['a string manifest', { manifest: 'OS' }],
    ['wrongly typed fields', { sealId: 1, manifest: { facetId: 2, type: 'Nonsense' } }],
  ])('reads what is not there or not of its type as undefined, never throwing: %s', (_label, input) => {
    expect(claimedSeal(input)).toEqual({ sealId: undefined, facetId: undefined, facetType: undefined });
  });
});
