// Number formatting for the plan view. Kept here (not in src/core) because the webview may import only
// src/shared and its own modules.

const BLOCK_BYTES = 8192;

/** "0.012 ms", "12.3 ms", "1,234 ms", "12.3 s", "2 min 05 s". */
export function formatMs(ms: number | undefined): string {
  if (ms === undefined || !Number.isFinite(ms)) return '–';
  if (ms === 0) return '0 ms';
  if (ms < 1) return `${ms.toFixed(3)} ms`;
  if (ms < 100) return `${ms.toFixed(2)} ms`;
  if (ms < 10_000) return `${Math.round(ms).toLocaleString('en-US')} ms`;
  const s = ms / 1000;
  if (s < 120) return `${s.toFixed(1)} s`;
  const min = Math.floor(s / 60);
  return `${min} min ${String(Math.round(s - min * 60)).padStart(2, '0')} s`;
}

/** Exact with separators up to 99,999, then "123k", "4.5M", "1.2G". */
export function formatCount(n: number | undefined): string {
  if (n === undefined || !Number.isFinite(n)) return '–';
  const abs = Math.abs(n);
  if (abs < 100_000) return (Number.isInteger(n) ? n : Math.round(n * 100) / 100).toLocaleString('en-US');
  const units: Array<[number, string]> = [
    [1e12, 'T'],
    [1e9, 'G'],
    [1e6, 'M'],
    [1e3, 'k'],
  ];
  for (const [size, suffix] of units) {
    if (abs >= size) {
      const v = n / size;
      return `${Math.abs(v) < 10 ? v.toFixed(1) : Math.round(v)}${suffix}`;
    }
  }
  return String(n);
}

export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes)) return '–';
  if (bytes < 1024) return `${bytes} B`;
  const units = ['kB', 'MB', 'GB', 'TB'];
  let v = bytes / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v < 10 ? v.toFixed(1) : Math.round(v)} ${units[i]}`;
}

/** 8 kB blocks as "1,234 (9.6 MB)". */
export function formatBlocks(blocks: number): string {
  if (blocks === 0) return '0';
  return `${formatCount(blocks)} (${formatBytes(blocks * BLOCK_BYTES)})`;
}

export function formatPercent(share: number): string {
  if (!Number.isFinite(share)) return '–';
  const p = share * 100;
  if (p === 0) return '0%';
  if (p < 0.1) return '<0.1%';
  return `${p < 10 ? p.toFixed(1) : Math.round(p)}%`;
}

/** "12×", "1.5×", "12k×". */
export function formatFactor(factor: number): string {
  if (!Number.isFinite(factor)) return '∞×';
  if (factor < 10) return `${(Math.round(factor * 10) / 10).toString()}×`;
  return `${formatCount(Math.round(factor))}×`;
}

export function formatCost(cost: number | undefined): string {
  if (cost === undefined || !Number.isFinite(cost)) return '–';
  return cost < 100 ? cost.toFixed(2) : formatCount(Math.round(cost));
}
