/**
 * What reading one layer produces, in tar order: plain data, so it crosses a worker boundary by
 * structured clone. The main thread applies a layer's records once the whole layer is read, because its
 * whiteouts apply to lower layers only, wherever they sit in the tar (SPEC §4).
 */
export type LayerRecord =
  | {
      readonly op: 'file';
      readonly ordinal: number;
      readonly path: string;
      /** Facet index (first match) or -1. */
      readonly facet: number;
      readonly size: number;
      readonly mode: number;
      readonly mtimeMs: number;
      /** Hex SHA-256 of the content: present when the path is in a facet (or the entry was asked for). */
      readonly hash?: string;
      /** The content, when the path matches a capture pattern and fits the capture size. */
      readonly captured?: Uint8Array;
    }
  | {
      readonly op: 'symlink';
      readonly path: string;
      readonly facet: number;
      readonly target: string;
      readonly mtimeMs: number;
    }
  | {
      readonly op: 'hardlink';
      readonly path: string;
      readonly facet: number;
      readonly target: string;
      readonly capture: boolean;
    }
  | { readonly op: 'dir'; readonly path: string }
  | { readonly op: 'whiteout'; readonly path: string }
  | { readonly op: 'opaque'; readonly path: string }
  | { readonly op: 'device'; readonly path: string; readonly kind: 'char' | 'block' }
  | { readonly op: 'fifo'; readonly path: string }
  | { readonly op: 'ignored'; readonly path: string; readonly why: string }
  /** Second pass only: the content of an entry asked for by ordinal. */
  | {
      readonly op: 'content';
      readonly ordinal: number;
      readonly hash: string;
      readonly captured?: Uint8Array;
    };

export interface CaptureOptions {
  /** RegExp sources over absolute paths. */
  readonly patterns: readonly string[];
  /** Per file: larger files are not captured. */
  readonly maxBytes: number;
}
