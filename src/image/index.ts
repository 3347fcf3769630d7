export { openImage, type OpenImageOptions, type OpenedImage } from './open.ts';
export { parseReference, formatReference, repositoryOf, type RegistryReference } from './reference.ts';
export type { ImageReference } from './reference.types.ts';
export type { ImageSource, LayerDescriptor, ResolvedImage } from './source.ts';
export { ImageError, type ImageErrorCode } from './errors.ts';
export { resolveImage, resolveIndex, type BlobReader, type ResolveOptions } from './resolve.ts';
export { readLayerStream, sniffCompression, type Compression, type LayerConsumer } from './layer-stream.ts';
export { DEFAULT_PLATFORM, parsePlatform, formatPlatform } from './platform.ts';
export { memorySource, type MemoryLayer, type MemorySourceOptions } from './memory-source.ts';
