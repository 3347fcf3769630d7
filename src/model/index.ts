export * from './errors.ts';
export * from './digest.ts';
export * from './facet.ts';
export * from './manifest.ts';
export * from './seal.ts';
export * from './drift.ts';
export * from './admission.ts';
export * from './policy.ts';
