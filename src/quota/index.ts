export { evaluateQuota, formatNumber } from './evaluate.ts';
export {
  resolveQuota,
  quotaResolver,
  type QuotaResolver,
  type QuotaSources,
  type PolicyQuotaSource,
  type ResolvedQuota,
} from './resolve.ts';
export { imageDecision, mostSevere, severityRank } from './severity.ts';
export { effectiveFacets, quotaSourcesFromPolicy } from './policy.ts';
