/**
 * Number formatting for everything the core and the CLI print: insight texts, the terminal output and the
 * Markdown report, so the same figures read the same way. Fixed locale ('en-US') so output does not depend
 * on the machine it runs on.
 */

const integer = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

/** 1234567 → "1,234,567". */
export function formatCount(n: number): string {
  return integer.format(Math.round(n));
}

/** Milliseconds with precision that suits the size: 0.042 ms, 4.21 ms, 42.1 ms, 421 ms, 4.21 s, 1 min 2 s. */
export function formatMs(ms: number): string {
  if (!Number.isFinite(ms)) return '–';
  const abs = Math.abs(ms);
  if (abs >= 60_000) {
    const minutes = Math.floor(ms / 60_000);
    return `${minutes} min ${Math.round((ms - minutes * 60_000) / 1000)} s`;
  }
  if (abs >= 1000) return `${(ms / 1000).toFixed(2)} s`;
  if (abs >= 100) return `${ms.toFixed(0)} ms`;
  if (abs >= 10) return `${ms.toFixed(1)} ms`;
  if (abs >= 1) return `${ms.toFixed(2)} ms`;
  if (abs === 0) return '0 ms';
  return `${ms.toFixed(3)} ms`;
}

/**
 * Milliseconds as insight texts quote them, always in ms like EXPLAIN itself: "0.04 ms", "4.2 ms", "421 ms",
 * "4,210 ms".
 */
export function formatMsPlain(ms: number): string {
  if (ms >= 100) return `${formatCount(ms)} ms`;
  if (ms >= 1) return `${ms.toFixed(1).replace(/\.0$/, '')} ms`;
  return `${ms.toFixed(2)} ms`;
}

/** A 0..1 share → "42.1%". */
export function formatShare(share: number): string {
  return `${(share * 100).toFixed(1)}%`;
}

/** A 0..1 ratio as insight texts say it, "52 %"; small shares keep a decimal so that "0 %" never hides a real figure. */
export function formatPercent(ratio: number): string {
  const p = ratio * 100;
  if (p === 0) return '0 %';
  if (p < 0.1) return '< 0.1 %';
  if (p < 10) return `${p.toFixed(1).replace(/\.0$/, '')} %`;
  // 99.96 % must not read as "100 %": the rows kept are the point.
  if (p > 99.5 && p < 100) return `${Math.min(99.9, Math.floor(p * 10) / 10)} %`;
  return `${Math.round(p)} %`;
}

/** A misestimate factor ≥ 1 → "1.0×", "12×", "1,234×". */
export function formatFactor(factor: number): string {
  if (!Number.isFinite(factor)) return '∞×';
  if (factor < 10) return `${factor.toFixed(1)}×`;
  return `${formatCount(factor)}×`;
}

/** Planner cost units, as EXPLAIN shows them (two decimals), with thousands separators. */
export function formatCost(cost: number): string {
  return new Intl.NumberFormat('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 }).format(cost);
}

const BLOCK_BYTES = 8192;

/** Bytes → "512 B", "8.0 kB", "1.5 MB", "2.3 GB" (powers of 1024, as PostgreSQL's pg_size_pretty). */
export function formatBytes(bytes: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = 0;
  while (Math.abs(value) >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${Math.round(value)} B` : `${value.toFixed(1)} ${units[unit]}`;
}

/** 8 kB blocks → bytes, for "read 1,710 blocks (13.4 MB)". */
export function blocksToBytes(blocks: number): number {
  return blocks * BLOCK_BYTES;
}

/** A size in kB as insight texts give it (EXPLAIN reports sort and hash memory in kB): "512 kB", "4.1 MB", "2 GB". */
export function formatKb(kb: number): string {
  if (kb >= 1024 * 1024) return `${(kb / 1024 / 1024).toFixed(1).replace(/\.0$/, '')} GB`;
  if (kb >= 1024) return `${(kb / 1024).toFixed(1).replace(/\.0$/, '')} MB`;
  return `${formatCount(kb)} kB`;
}

/** EXPLAIN (BUFFERS) block counts, as formatKb gives their size. */
export function formatBlocks(blocks: number): string {
  return formatKb(blocksToBytes(blocks) / 1024);
}

/** Before/after ratio of a cost-like figure: 45.2 s → 0.8 s gives "56.5× lower"; a regression "2.0× higher". */
export function formatRatio(before: number, after: number): string {
  if (before === after) return 'same';
  if (after <= 0) return before > 0 ? '∞× lower' : 'same';
  if (before <= 0) return 'new';
  const ratio = before / after;
  return ratio >= 1 ? `${ratio.toFixed(1)}× lower` : `${(1 / ratio).toFixed(1)}× higher`;
}

/** "PostgreSQL 15.20 (Debian 15.20-0+deb12u1) on x86_64-pc-linux-gnu, compiled by …" → "PostgreSQL 15.20". */
export function shortServerVersion(versionText: string): string {
  return /^PostgreSQL \S+/.exec(versionText)?.[0].replace(/,$/, '') ?? versionText;
}

/** The runs behind a median, in run order: "1.59 s, 1.89 s, 1.62 s". */
export function formatSamples(samplesMs: number[]): string {
  return samplesMs.map(formatMs).join(', ');
}
