/**
 * How a ratio measured on a sample copy carries to the full tables (`advise --sample-copy`). Nothing here builds
 * on the user's tables: the check is the statement timed once on the full tables without a new index (a
 * rolled-back transaction that only reads), and, with HypoPG, the plan the full tables would get with the index
 * beside the plan measured on the sample. The projected time on the full tables is an estimate, said so.
 */
import type { DatabaseSession } from '../../db/session';
import { isCancelled } from '../../errors';
import type { Plan } from '../../plan/planNode';
import { formatFactor, formatMs } from '../../text/formatNumbers';
import type {
  EstimatedFigures,
  IndexCandidate,
  MeasuredFigures,
  SampleCheck,
  SampleCopyReport,
} from '../indexSuggestion';
import { candidateKey } from './indexDdl';
import { describeSampledTable, type SampleCopy } from './sampleCopy';
import { measureWithIndexes, planUses, type StatementToPlan, type WhatIf } from './whatIf';

export interface SampleReportInput {
  session: DatabaseSession;
  sample: SampleCopy;
  /** The winning form of the statement, on the full tables. */
  statement: StatementToPlan;
  chosen: IndexCandidate[];
  measurements: Map<string, MeasuredFigures & { plan?: Plan }>;
  beforeMeasured?: { ms: number; plan?: Plan };
  estimates: Map<string, EstimatedFigures>;
  whatIf: WhatIf;
  signal?: AbortSignal;
  statementTimeoutMs?: number;
}

function totalCost(plan: Plan | undefined): number | undefined {
  const c = plan?.totals.cost ?? plan?.root.fields['Total Cost'];
  return typeof c === 'number' && Number.isFinite(c) ? c : undefined;
}

/**
 * How each table is read: "orders: index scan of the candidate", "users: index scan of an existing index",
 * "events: sequential scan". Gather, parallel workers and join order differ between a small and a large table
 * for reasons of size alone, and so does a bitmap against a plain index scan; how each table is reached is the
 * shape that decides whether an index helps the same way. (The copies' own indexes have names of their own, so
 * an existing index is not named.)
 */
function accessPaths(plan: Plan | undefined, tableOf: (relation: string) => string, candidate: string): string[] {
  const out: string[] = [];
  const kindOf = (nodeType: string): string =>
    nodeType === 'Index Only Scan'
      ? 'index-only scan'
      : /Index Scan|Bitmap Heap Scan/.test(nodeType)
        ? 'index scan'
        : nodeType === 'Seq Scan'
          ? 'sequential scan'
          : nodeType.toLowerCase();
  for (const n of plan?.nodes ?? []) {
    const relation = n.fields['Relation Name'];
    if (typeof relation !== 'string') continue;
    // A bitmap heap scan names its indexes on the Bitmap Index Scans below it.
    const names = [n, ...n.children.flatMap((c) => [c, ...c.children])]
      .map((x) => x.fields['Index Name'])
      .filter((x): x is string => typeof x === 'string');
    const of = names.length === 0 ? '' : names.includes(candidate) ? ' of the candidate' : ' of an existing index';
    out.push(`${tableOf(relation)}: ${kindOf(String(n.fields['Node Type']))}${of}`);
  }
  return [...new Set(out)].sort();
}

export async function sampleCopyReport(input: SampleReportInput): Promise<SampleCopyReport> {
  const { sample } = input;
  const copyToTable = new Map(sample.tables.map((t) => [t.copy, t.table]));
  const tableOf = (relation: string): string => copyToTable.get(relation) ?? relation;
  const report: SampleCopyReport = {
    fraction: sample.fraction,
    seed: sample.seed,
    tables: sample.tables,
    copyMs: sample.copyMs,
    limitations: [...sample.limitations],
    sampleBeforeMs: input.beforeMeasured?.ms,
    checks: [],
    summary: '',
  };
  // The statement as it runs today on the full tables, once: the yardstick the sample's ratio is applied to.
  try {
    const once = await measureWithIndexes(input.session, [], input.statement, 1, {
      signal: input.signal,
      statementTimeoutMs: input.statementTimeoutMs,
    });
    report.fullBeforeMs = once.medianMs;
  } catch (err) {
    if (isCancelled(err)) throw err;
    report.limitations.push(`The statement could not be timed on the full tables (${(err as Error).message}).`);
  }
  for (const c of input.chosen) {
    const m = input.measurements.get(candidateKey(c));
    if (!m) continue;
    const check: SampleCheck = { index: c.name, sampleRatio: m.timeBeforeMs / Math.max(m.timeAfterMs, 0.001) };
    const before = totalCost(input.beforeMeasured?.plan);
    const after = totalCost(m.plan);
    if (before !== undefined && after !== undefined && after > 0) check.sampleCostRatio = before / after;
    const e = input.estimates.get(candidateKey(c));
    if (e?.method === 'hypopg' && e.costAfter > 0) check.fullCostRatio = e.costBefore / e.costAfter;
    if (input.whatIf.method === 'hypopg') {
      // HypoPG's plan on the full tables, against the plan measured on the sample: the same access paths?
      const r = await input.whatIf.plan([c], [input.statement], input.signal);
      const full = r.plans[0];
      if (full && r.failed.length === 0) {
        const hypoName = r.planNames[0];
        check.accessPaths = {
          full: accessPaths(full, (x) => x, hypoName),
          sample: accessPaths(m.plan, tableOf, c.name),
        };
        check.sameShape =
          planUses(full, hypoName) === m.usedInPlan &&
          JSON.stringify(check.accessPaths.full) === JSON.stringify(check.accessPaths.sample);
      }
    }
    if (report.fullBeforeMs !== undefined) check.projectedAfterMs = report.fullBeforeMs / check.sampleRatio;
    report.checks.push(check);
  }
  report.summary = summaryOf(report);
  return report;
}

function summaryOf(r: SampleCopyReport): string {
  const parts: string[] = [];
  parts.push(
    `Built and timed on a ${(r.fraction * 100).toPrecision(2)} % sample copy (temporary tables of this connection, seed ${r.seed}, copied and VACUUM ANALYZEd in ${formatMs(r.copyMs)}; your tables were only read: no lock blocked their writes): ${r.tables.map(describeSampledTable).join('; ')}.`,
  );
  if (r.sampleBeforeMs !== undefined && r.fullBeforeMs !== undefined) {
    parts.push(
      `Without a new index the statement took ${formatMs(r.sampleBeforeMs)} on the sample and ${formatMs(r.fullBeforeMs)} on the full tables (timed once; ${formatFactor(r.fullBeforeMs / Math.max(r.sampleBeforeMs, 0.001))} the sample's time).`,
    );
  }
  for (const c of r.checks) {
    const costs =
      c.fullCostRatio !== undefined && c.sampleCostRatio !== undefined
        ? ` Planner cost ratio ${formatFactor(c.sampleCostRatio)} on the sample, ${formatFactor(c.fullCostRatio)} on the full tables (HypoPG).`
        : '';
    const shape =
      c.sameShape === undefined
        ? ' Without HypoPG the plan on the full tables was not checked.'
        : c.sameShape
          ? ' The full tables get the same access paths with it (HypoPG) as the sample did.'
          : ` The full tables would be read differently with it (HypoPG: ${c.accessPaths?.full.join(', ')}) than the sample was (${c.accessPaths?.sample.join(', ')}): the ratio may not carry.`;
    const projected =
      c.projectedAfterMs !== undefined
        ? ` If the ratio carries, the full tables would take about ${formatMs(c.projectedAfterMs)} with it.`
        : '';
    parts.push(`${c.index}: ${formatFactor(c.sampleRatio)} faster on the sample.${projected}${costs}${shape}`);
  }
  parts.push('The figures on the full tables are an estimate from the sample, not a measurement there.');
  return parts.join(' ');
}
