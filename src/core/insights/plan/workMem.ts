/** Reading and suggesting work_mem values, in kB as PostgreSQL stores them. */
import type { Evidence, PlanRuleContext } from '../insight';
import { setting } from './planFacts';

/** work_mem when neither the plan nor the catalog says otherwise: PostgreSQL's default. */
export const DEFAULT_WORK_MEM_KB = 4096;

/** Parses a memory setting ("64kB", "4MB", "1GB", or a bare number of kB) into kB. */
export function settingKb(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const m = /^\s*(\d+(?:\.\d+)?)\s*(B|kB|MB|GB|TB)?\s*$/i.exec(value);
  if (!m) return undefined;
  const n = Number(m[1]);
  switch ((m[2] ?? 'kB').toLowerCase()) {
    case 'b':
      return n / 1024;
    case 'kb':
      return n;
    case 'mb':
      return n * 1024;
    case 'gb':
      return n * 1024 * 1024;
    default:
      return n * 1024 * 1024 * 1024;
  }
}

/** work_mem in force for the explained statement, and whether we know it or assume the default. */
export function workMemKb(context: PlanRuleContext): { kb: number; known: boolean } {
  const kb = settingKb(setting(context, 'work_mem'));
  return kb !== undefined ? { kb, known: true } : { kb: DEFAULT_WORK_MEM_KB, known: false };
}

/** The work_mem line of a rule's evidence, saying when the value is only the assumed default. */
export function workMemEvidence(current: { kb: number; known: boolean }): Evidence {
  return { label: 'work_mem', value: `${workMemText(current.kb)}${current.known ? '' : ' (default, assumed)'}` };
}

/**
 * hash_mem_multiplier: hash tables may use work_mem × this. The default is 2.0 since PostgreSQL 15 and 1.0 in 13
 * and 14; without the version we assume a current server.
 */
export function hashMemMultiplier(context: PlanRuleContext): number {
  const value = Number(setting(context, 'hash_mem_multiplier'));
  if (Number.isFinite(value) && value > 0) return value;
  const version = context.catalog?.server.versionNum;
  return version !== undefined && version < 150000 ? 1 : 2;
}

/**
 * A work_mem a DBA would type: the next power of two in MB at or above what is needed, at least 1MB, and always
 * above the current value (a suggestion equal to what already spilled would be useless).
 */
export function suggestWorkMemKb(neededKb: number, currentKb?: number): number {
  let mb = 1;
  while (mb * 1024 < neededKb) mb *= 2;
  while (currentKb !== undefined && mb * 1024 <= currentKb) mb *= 2;
  return mb * 1024;
}

/** "64kB", "8MB", "2GB": the form SET work_mem takes. */
export function workMemText(kb: number): string {
  if (kb >= 1024 * 1024 && kb % (1024 * 1024) === 0) return `${kb / 1024 / 1024}GB`;
  if (kb >= 1024 && kb % 1024 === 0) return `${kb / 1024}MB`;
  return `${Math.ceil(kb)}kB`;
}
