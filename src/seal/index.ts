export { SealError, type SealErrorCode } from './errors.ts';
export { canonicalJson, canonicalBytes } from './canonical.ts';
export { encodeBase64, decodeBase64 } from './base64.ts';
export { pae, signEnvelope, verifyEnvelope, MAX_SIGNATURES, type VerifiedEnvelope } from './dsse.ts';
export {
  generateKeyPair,
  keyAlgorithmOf,
  keyIdOf,
  publicKeyOf,
  parsePrivateKey,
  parsePublicKey,
  readPrivateKeyFile,
  readPublicKeyFile,
  exportPrivateKeyPem,
  exportPublicKeyPem,
  exportPrivateKeyJwk,
  exportPublicKeyJwk,
  KEY_ALGORITHMS,
  type KeyAlgorithm,
  type KeyPair,
} from './keys.ts';
export { createSigner, verifySignature, type Signer } from './signer.ts';
export { staticTrust, type TrustStore } from './trust.ts';
export {
  KeyringFile,
  parseKeyring,
  readKeyringFile,
  trustedKeysAt,
  keyringTrust,
  activeKey,
  signerFromKeyring,
  type Keyring,
  type KeyringEntry,
} from './keyring.ts';
export { buildSealPayload, rootStatementOf, sealManifest, type SealRequest } from './seal.ts';
export { verifySeal, type VerifiedSeal, type VerifySealOptions } from './verify.ts';
export { makeInclusionProof, verifyInclusionProof, type VerifiedInclusion } from './inclusion-proof.ts';
export {
  IN_TOTO_PAYLOAD_TYPE,
  IN_TOTO_STATEMENT_TYPE,
  FacetSealStatement,
  subjectName,
  sealPayloadOf,
  buildInTotoStatement,
  signInTotoStatement,
  verifyInTotoEnvelope,
} from './in-toto.ts';
