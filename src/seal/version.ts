/** Recorded in every manifest (seed §3.2 `extractorVersion`); bump when extraction semantics change. */
export const EXTRACTOR_VERSION = 'zastava/1.0.0';
