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

export interface ImageSource {
  /** Reads and verifies the manifest (and index) and the config blob. */
  resolve(signal?: AbortSignal): Promise<ResolvedImage>;
  /**
   * The stored bytes of a blob, streamed. The caller hashes them; a source may verify too, but the layer
   * reader's verification is the one that counts. `expectedSize` is the manifest's size.
   */
  openBlob(digest: string, expectedSize: number, signal?: AbortSignal): Promise<AsyncIterable<Uint8Array>>;
  close(): Promise<void>;
}
