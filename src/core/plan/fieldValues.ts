/** Typed reads of EXPLAIN fields, which arrive as `unknown` from JSON. */
import type { RawPlanFields } from './planNode';

export function numberField(fields: Record<string, unknown>, key: string): number | undefined {
  const v = fields[key];
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

export function stringField(fields: Record<string, unknown>, key: string): string | undefined {
  const v = fields[key];
  return typeof v === 'string' ? v : undefined;
}

/** Actual Loops, or undefined for a plan without ANALYZE. */
export function loopsOf(fields: RawPlanFields): number | undefined {
  return numberField(fields, 'Actual Loops');
}

/** Every string the node shows (conditions, filters, output lists), for finding references to $n or SubPlans. */
export function fieldStrings(fields: Record<string, unknown>): string[] {
  const out: string[] = [];
  for (const [key, v] of Object.entries(fields)) {
    if (key === 'Workers' || key === 'Subplan Name') continue;
    if (typeof v === 'string') out.push(v);
    else if (Array.isArray(v)) for (const item of v) if (typeof item === 'string') out.push(item);
  }
  return out;
}
