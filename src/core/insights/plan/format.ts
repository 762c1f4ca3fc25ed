/** How plan figures read in insight titles and evidence: "8,500,000", "52 %", "4.1 MB", "12.3 ms". */

export function formatCount(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

/** A 0..1 ratio as a percentage; small shares keep a decimal so that "0 %" never hides a real figure. */
export function formatPercent(ratio: number): string {
  const p = ratio * 100;
  if (p === 0) return '0 %';
  if (p < 0.1) return '< 0.1 %';
  if (p < 10) return `${p.toFixed(1).replace(/\.0$/, '')} %`;
  // 99.96 % must not read as "100 %": the rows kept are the point.
  if (p > 99.5 && p < 100) return `${Math.min(99.9, Math.floor(p * 10) / 10)} %`;
  return `${Math.round(p)} %`;
}

export function formatMs(ms: number): string {
  if (ms >= 100) return `${formatCount(ms)} ms`;
  if (ms >= 1) return `${ms.toFixed(1).replace(/\.0$/, '')} ms`;
  return `${ms.toFixed(2)} ms`;
}

/** A size given in kB (EXPLAIN reports sort and hash memory in kB). */
export function formatKb(kb: number): string {
  if (kb >= 1024 * 1024) return `${(kb / 1024 / 1024).toFixed(1).replace(/\.0$/, '')} GB`;
  if (kb >= 1024) return `${(kb / 1024).toFixed(1).replace(/\.0$/, '')} MB`;
  return `${formatCount(kb)} kB`;
}

/** EXPLAIN (BUFFERS) counts 8 kB blocks. */
export const BLOCK_KB = 8;

export function formatBlocks(blocks: number): string {
  return formatKb(blocks * BLOCK_KB);
}
