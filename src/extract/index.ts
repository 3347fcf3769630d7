export {
  extractImage,
  type ExtractOptions,
  type ExtractProgress,
  type ExtractionResult,
} from './extract-image.ts';
export { formatMode } from './facet-entry.ts';
export { extractRootfs, ROOTFS_LAYER } from './rootfs.ts';
export { ExtractError, type ExtractErrorCode } from './errors.ts';
export { DEFAULT_LIMITS, type ExtractLimits } from './limits.ts';
export { compareUtf8 } from './paths.ts';
export { createLayerPool, type LayerPool } from './layer-runner.ts';
export type { CaptureOptions } from './layer-records.ts';
