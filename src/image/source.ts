import type { Sha256Digest } from '../model/digest.ts';

/**
 * The contract between image sources (oci:, oci-archive:, docker-archive:, registries) and the extractor.
 * A source resolves a reference to one platform's manifest and hands out raw blob bytes; it never
 * decompresses and never trusts its own bytes: the layer reader verifies both digests of every layer.
 */
export interface LayerDescriptor {
  /** Digest of the blob as stored (compressed), from the manifest. */
  readonly digest: string;
  /** Digest of the uncompressed tar, from the config's `rootfs.diff_ids` (same index). */
  readonly diffId: string;
  readonly mediaType: string;
  /** Size of the stored blob in bytes, from the manifest. */
  readonly size: number;
  /**
   * True when the stored bytes have no digest of their own (a pre-Docker-25 `docker save` layer.tar, which
   * may even be gzipped): `digest` is then the diff_id, and only the uncompressed bytes are verified.
   */
  readonly storedDigestUnknown?: boolean;
}

export interface ResolvedImage {
  /** The reference as the user wrote it, normalised (`registry/repo:tag@sha256:…`, `oci:/path:tag`, …). */
  readonly imageRef: string;
  /** Manifest digest; for docker-archive the config digest (it has no manifest blob) (SPEC §3). */
  readonly imageDigest: Sha256Digest;
  readonly configDigest: Sha256Digest;
  /** The platform selected (`os/arch[/variant]`). */
  readonly platform: string;
  /** Lowest layer first. */
  readonly layers: readonly LayerDescriptor[];
}

/**
 * A stored blob read at positions into the caller's own buffers: a file or an archive member on disk. A
 * reader that reuses a few buffers allocates nothing per chunk (a 2 GiB layer through fresh 1 MiB buffers
 * costs page faults, garbage collections and, across threads, frees in another thread's arena).
 */
export interface BlobRegion {
  /** Reads up to `into.byteLength` bytes from `position`; returns how many, 0 at the blob's end. */
  read(into: Uint8Array, position: number): Promise<number>;
  close(): Promise<void>;
}

export interface ImageSource {
  /** Reads and verifies the manifest (and index) and the config blob. */
  resolve(signal?: AbortSignal): Promise<ResolvedImage>;
  /**
   * The stored bytes of a blob, streamed. The caller hashes them; a source may verify too, but the layer
   * reader's verification is the one that counts. `expectedSize` is the manifest's size.
   */
  openBlob(digest: string, expectedSize: number, signal?: AbortSignal): Promise<AsyncIterable<Uint8Array>>;
  /** The same bytes as `openBlob`, for reading into the caller's buffers; absent for network sources. */
  openBlobRegion?(digest: string, expectedSize: number): Promise<BlobRegion>;
  close(): Promise<void>;
}
