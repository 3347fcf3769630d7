/**
 * The decompressed size a zstd frame declares in its header (RFC 8878 §3.1.1.1, Frame_Content_Size), or
 * undefined when it declares none or is not a zstd frame. Only a hint for sizing the output buffer: the
 * bytes are decompressed and re-hashed whatever the header says.
 */
export function declaredContentSize(frame: Uint8Array): number | undefined {
  const view = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
  if (frame.length < 6 || view.getUint32(0, true) !== ZSTD_MAGIC) return undefined;
  const descriptor = frame[4]!;
  const fcsFlag = descriptor >> 6;
  const singleSegment = (descriptor >> 5) & 1;
  const at = 5 + (singleSegment === 1 ? 0 : 1) + DICTIONARY_ID_BYTES[descriptor & 3]!;
  const bytes = fcsFlag === 0 ? singleSegment : FCS_BYTES[fcsFlag]!;
  if (bytes === 0 || frame.length < at + bytes) return undefined;
  if (bytes === 1) return view.getUint8(at);
  if (bytes === 2) return view.getUint16(at, true) + 256;
  if (bytes === 4) return view.getUint32(at, true);
  const size = view.getBigUint64(at, true);
  return size <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(size) : undefined;
}

const ZSTD_MAGIC = 0xfd2fb528;
const DICTIONARY_ID_BYTES = [0, 1, 2, 4] as const;
const FCS_BYTES = [0, 2, 4, 8] as const;
