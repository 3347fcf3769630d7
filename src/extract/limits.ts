/** SPEC §4 limits; each, when exceeded, is a clear error. */
export interface ExtractLimits {
  /** A layer's uncompressed size in bytes (default 32 GiB). */
  readonly maxLayerBytes: number;
  /** Tar entries per image, summed over its layers (default 10 M). */
  readonly maxEntries: number;
  /** A normalised path's length in UTF-8 bytes (default 4096). */
  readonly maxPathBytes: number;
}

export const DEFAULT_LIMITS: ExtractLimits = Object.freeze({
  maxLayerBytes: 32 * 1024 ** 3,
  maxEntries: 10_000_000,
  maxPathBytes: 4096,
});
