/**
 * The proven rewrites that can stand in for the statement when indexes are judged, each with the parameters to
 * run it: the statement's own, and for a rewrite that adds parameters (keyset pagination) the values its
 * extraParamsQuery finds, the same ones the proof used.
 */
import type { DatabaseSession } from '../../db/session';
import type { Rewrite } from '../rewriteSuggestion';
import { rewriteParameters } from './extraParameters';

export interface AlternativeForm {
  rewrite: Rewrite;
  /** The rewrite with `$n` only. */
  sql: string;
  /** Set only for a rewrite with parameters of its own: the statement's followed by the added ones. */
  params?: unknown[];
}

/** Proven equivalent, and runnable: no new parameters, or a query that supplies them. */
export function canStandIn(r: Rewrite): boolean {
  if (r.verification !== 'equivalent') return false;
  return (r.newParameters?.length ?? 0) === 0 || (r.executableSql !== undefined && r.extraParamsQuery !== undefined);
}

/**
 * The bound the statement as written is known to pass: a rewrite's measurement stopped it at the statement_timeout
 * (the longest such bound); undefined when every measurement saw it finish.
 */
export function asWrittenPastMs(rewrites: readonly Rewrite[]): number | undefined {
  const bounds = rewrites.flatMap((r) => (r.measurement?.before.timedOut ? [r.measurement.before.timeMs] : []));
  return bounds.length > 0 ? Math.max(...bounds) : undefined;
}

/** What the index advisor takes as `alternatives`: each form named by its rewrite's ref, its title for notes. */
export function asAlternatives(
  forms: AlternativeForm[],
): Array<{ label: string; rewrite: Rewrite['ref']; sql: string; params?: unknown[] }> {
  return forms.map((f) => ({ label: f.rewrite.title, rewrite: f.rewrite.ref, sql: f.sql, params: f.params }));
}

export async function alternativeForms(
  session: DatabaseSession,
  rewrites: Rewrite[],
  params: unknown[] | undefined,
): Promise<AlternativeForm[]> {
  const out: AlternativeForm[] = [];
  for (const rewrite of rewrites.filter(canStandIn)) {
    const sql = rewrite.executableSql ?? rewrite.rewrittenSql;
    if (!rewrite.extraParamsQuery) {
      // The statement's own parameters, as the index advisor already binds them.
      out.push({ rewrite, sql });
      continue;
    }
    // In a rolled-back transaction where the session has one: it reads the user's table, and the session records
    // that read as ours (ownScans.ts), not the application's.
    const find = (run: (q: string, p: unknown[]) => Promise<Array<Record<string, unknown>>>) =>
      rewriteParameters(run, rewrite.extraParamsQuery, params ?? []);
    const values = session.inTransaction
      ? await session.inTransaction((tx) => find((q, p) => tx.query(q, p)))
      : await find((q, p) => session.query(q, p));
    // The data moved since the proof and the previous page is gone: this form has nothing to run with.
    if (values) out.push({ rewrite, sql, params: values });
  }
  return out;
}
