import { ZastavaError } from '../model/errors.ts';

/** Failures reading an image reference, a source's metadata or a layer's bytes (docs/errors.md, "Image"). */
export type ImageErrorCode =
  | 'REFERENCE_INVALID'
  | 'TRANSPORT_UNKNOWN'
  | 'IMAGE_NOT_FOUND'
  | 'LAYOUT_INVALID'
  | 'ARCHIVE_INVALID'
  | 'ARCHIVE_COMPRESSED'
  | 'TAG_NOT_FOUND'
  | 'IMAGE_AMBIGUOUS'
  | 'MANIFEST_INVALID'
  | 'CONFIG_INVALID'
  | 'MEDIA_TYPE_UNSUPPORTED'
  | 'PLATFORM_INVALID'
  | 'PLATFORM_NOT_FOUND'
  | 'DIGEST_UNSUPPORTED'
  | 'BLOB_MISSING'
  | 'BLOB_TOO_LARGE'
  | 'BLOB_DIGEST_MISMATCH'
  | 'LAYER_FOREIGN'
  | 'LAYER_TRUNCATED'
  | 'LAYER_CORRUPT'
  | 'LAYER_TOO_LARGE'
  | 'DIFF_ID_MISMATCH';

export class ImageError extends ZastavaError<ImageErrorCode> {}
