import { ImageError } from './errors.ts';
import type { Platform } from './oci-schema.ts';

export const DEFAULT_PLATFORM = 'linux/amd64';

/** `os/arch[/variant]`, as `--platform` takes it (SPEC §3). */
export function parsePlatform(text: string): Platform {
  const parts = text.split('/');
  if (parts.length < 2 || parts.length > 3 || parts.some((p) => !/^[a-zA-Z0-9._-]+$/.test(p))) {
    throw new ImageError('PLATFORM_INVALID', `platform "${text}" is not OS/ARCH[/VARIANT]`, {
      hint: 'for example linux/amd64 or linux/arm64/v8',
    });
  }
  const [os, architecture, variant] = parts as [string, string, string | undefined];
  return variant === undefined ? { os, architecture } : { os, architecture, variant };
}

export function formatPlatform(platform: {
  os?: string;
  architecture?: string;
  variant?: string | undefined;
}): string {
  const base = `${platform.os ?? 'unknown'}/${platform.architecture ?? 'unknown'}`;
  return platform.variant ? `${base}/${platform.variant}` : base;
}

/** Exact match: OS, architecture and variant (absent only matches absent). */
export function platformMatches(wanted: Platform, candidate: Platform): boolean {
  return (
    wanted.os === candidate.os &&
    wanted.architecture === candidate.architecture &&
    (wanted.variant ?? '') === (candidate.variant ?? '')
  );
}
