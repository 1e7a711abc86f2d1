/** Times on the command line and in tables: `--since` values, ages, timestamps. */
import { UsageError } from './args.ts';

const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 } as const;

/**
 * A `--since` value as epoch ms: an ISO-8601 time (`2026-01-31T12:00:00Z`, a date alone is UTC
 * midnight) or a duration back from `now` (`90s`, `15m`, `2h`, `1d`, `1h30m`).
 */
export function parseSince(raw: string, now: number): number {
  const text = raw.trim();
  const parts = [...text.matchAll(/(\d+)(ms|s|m|h|d|w)/g)];
  if (parts.length > 0 && parts.map((p) => p[0]).join('') === text) {
    return now - parts.reduce((sum, [, n, unit]) => sum + Number(n) * UNIT_MS[unit as keyof typeof UNIT_MS], 0);
  }
  if (/^\d{4}-\d{2}-\d{2}([T ][\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$/.test(text)) {
    const at = Date.parse(text.length === 10 ? `${text}T00:00:00Z` : text);
    if (Number.isFinite(at)) return at;
  }
  throw new UsageError(`--since takes an ISO-8601 time (2026-01-31T12:00:00Z) or a duration back from now (90s, 15m, 2h, 1d, 1h30m); got "${raw}"`);
}

/** A duration for people: `850 ms`, `12.5 s`, `4m 05s`, `3h 02m`, `2d 04h`. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.max(0, Math.round(ms))} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const pad = (n: number): string => String(n).padStart(2, '0');
  const s = Math.floor(ms / 1000);
  if (s < 3600) return `${Math.floor(s / 60)}m ${pad(s % 60)}s`;
  if (s < 86_400) return `${Math.floor(s / 3600)}h ${pad(Math.floor(s / 60) % 60)}m`;
  return `${Math.floor(s / 86_400)}d ${pad(Math.floor(s / 3600) % 24)}h`;
}

/** An epoch-ms time as ISO-8601 UTC to the second, `-` when there is none. */
export const formatTime = (ms: number | null | undefined): string => (ms === null || ms === undefined ? '-' : new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z'));
