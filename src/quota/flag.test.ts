import { describe, expect, it } from 'vitest';
import { formatQuotaFlag, parseQuotaFlag, quotaKeyOf } from './flag.ts';

describe('the --quota flag', () => {
  it('writes the fields in a fixed order and reads them back', () => {
    const quota = { onExceed: 'RequireVex', maxChangedFiles: 0, maxChurnPercent: 2.5 } as const;
    const text = formatQuotaFlag('lang/node', quota);
    expect(text).toBe('lang/node:maxChurnPercent=2.5,maxChangedFiles=0,onExceed=RequireVex');
    expect(parseQuotaFlag(text)).toEqual({ ok: true, facetId: 'lang/node', quota });
  });

  it('round-trips every limit exactly, fractions included', () => {
    const quota = {
      maxChurnPercent: 0.1 + 0.2,
      maxChangedFiles: 7,
      maxAddedFiles: 3,
      maxRemovedFiles: 0,
      onExceed: 'Block',
    } as const;
    expect(parseQuotaFlag(formatQuotaFlag('binary', quota))).toEqual({ ok: true, facetId: 'binary', quota });
  });

  it.each([
    ['binary', 'no colon'],
    ['Binary:maxChangedFiles=1', 'a facet id is lower case'],
    ['binary:maxChangedFiles', 'no value'],
    ['binary:maxChangedFiles=', 'an empty value'],
    ['binary:maxChangedFiles=1=2', 'two equals signs'],
    ['binary:maxChangedFiles=1,maxChangedFiles=2', 'a field twice'],
    ['binary:maxChangedFiles=-1', 'a negative limit'],
    ['binary:maxChangedFiles=1.5', 'a fractional file count'],
    ['binary:maxChurnPercent=101', 'a churn over 100%'],
    ['binary:maxChangedFiles=many', 'a word for a number'],
    ['binary:onExceed=Deny', 'an unknown action'],
    ['binary:maxFiles=1', 'an unknown field'],
  ])('refuses %s (%s)', (text) => {
    expect(parseQuotaFlag(text).ok).toBe(false);
  });

  it('names the quota key of a violation field', () => {
    expect(quotaKeyOf('MaxChurnPercent')).toBe('maxChurnPercent');
    expect(quotaKeyOf('MaxRemovedFiles')).toBe('maxRemovedFiles');
  });
});
