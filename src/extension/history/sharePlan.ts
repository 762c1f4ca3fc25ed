/**
 * "Copy Plan for Sharing" and the obfuscated report: core's `obfuscatePlan` applied to a shown result, with a
 * sentence that says what was replaced. No `vscode` here (unit-tested); the handlers put the text where it goes.
 */
import { analysePlanText } from '../../core/pipeline/explainAndOptimize';
import { obfuscatePlan, type ObfuscatedPlan } from '../../core/share/obfuscatePlan';
import { loadParser } from '../../core/sql/parser';
import type { TuningResult } from '../../core/pipeline/tuningResult';

export interface SharedPlan {
  /** What goes to the clipboard: the obfuscated statement, a blank line, the obfuscated plan. */
  text: string;
  /** "Replaced 2 tables, 5 columns, 2 aliases and 1 literal; numbers kept." */
  note: string;
  /** Original → stand-in, one per line: for the user, never part of `text`. */
  replacements: string;
  obfuscated: ObfuscatedPlan;
}

const kindNames: Record<string, [string, string]> = {
  schema: ['schema', 'schemas'],
  table: ['table', 'tables'],
  index: ['index', 'indexes'],
  cte: ['CTE', 'CTEs'],
  alias: ['alias', 'aliases'],
  column: ['column', 'columns'],
  type: ['type', 'types'],
  function: ['function', 'functions'],
  trigger: ['trigger', 'triggers'],
  constraint: ['constraint', 'constraints'],
};

export async function obfuscateResult(result: TuningResult): Promise<ObfuscatedPlan> {
  await loadParser();
  // A result built from a Plan object (an advisor's after-plan) has no raw text: obfuscate the parsed plan.
  return obfuscatePlan(result.rawPlan ? result.rawPlan : result.plan, {
    sql: result.sql.trim() ? result.sql : undefined,
  });
}

export async function sharePlan(result: TuningResult): Promise<SharedPlan> {
  const obfuscated = await obfuscateResult(result);
  const parts: string[] = [];
  if (obfuscated.sql !== undefined && obfuscated.sql.trim()) parts.push(`${obfuscated.sql.trim()}\n`);
  parts.push(obfuscated.text.replace(/\s+$/, ''));
  return {
    text: `${parts.join('\n')}\n`,
    note: replacementNote(obfuscated),
    replacements: replacementList(obfuscated),
    obfuscated,
  };
}

/** Counts stand-ins by kind ("table_3" is a table) and says what was kept. */
export function replacementNote(obfuscated: Pick<ObfuscatedPlan, 'names' | 'literals'>): string {
  const counts = new Map<string, number>();
  for (const standIn of Object.values(obfuscated.names)) {
    const kind = /^([a-z]+)_\d+$/.exec(standIn)?.[1] ?? 'name';
    counts.set(kind, (counts.get(kind) ?? 0) + 1);
  }
  const literals = Object.keys(obfuscated.literals).length;
  const phrases = [...counts].map(([kind, n]) => {
    const [one, many] = kindNames[kind] ?? [kind, `${kind}s`];
    return `${n} ${n === 1 ? one : many}`;
  });
  if (literals) phrases.push(`${literals} ${literals === 1 ? 'literal' : 'literals'}`);
  if (phrases.length === 0)
    return 'Nothing to replace: the plan names no table, column or literal. Numbers and node types kept.';
  const list =
    phrases.length === 1 ? phrases[0] : `${phrases.slice(0, -1).join(', ')} and ${phrases[phrases.length - 1]}`;
  return `Replaced ${list} (e.g. ${example(obfuscated)}); numbers, node types and keywords kept.`;
}

function example(obfuscated: Pick<ObfuscatedPlan, 'names' | 'literals'>): string {
  const first = Object.entries(obfuscated.names)[0] ?? Object.entries(obfuscated.literals)[0];
  return first ? `${first[0]} → ${first[1]}` : '';
}

export function replacementList(obfuscated: Pick<ObfuscatedPlan, 'names' | 'literals'>): string {
  const lines = ['-- What "Copy Plan for Sharing" replaced (keep this to yourself: it undoes the obfuscation).'];
  for (const [original, standIn] of Object.entries(obfuscated.names)) lines.push(`${standIn}\t${original}`);
  for (const [original, standIn] of Object.entries(obfuscated.literals)) lines.push(`'${standIn}'\t'${original}'`);
  return `${lines.join('\n')}\n`;
}

/**
 * The result as a report can show it publicly: analysed again from the obfuscated plan and statement, so
 * insight texts name only stand-ins; the catalog and the connection's name are left out.
 */
export async function obfuscatedResult(result: TuningResult): Promise<TuningResult> {
  const obfuscated = await obfuscateResult(result);
  const shared = await analysePlanText(obfuscated.text, obfuscated.sql);
  if (result.run) {
    shared.run = {
      ...result.run,
      sessionLabel: result.run.sessionKind === 'embedded' ? result.run.sessionLabel : 'a PostgreSQL server',
      explainStatement: '',
    };
  }
  return shared;
}
