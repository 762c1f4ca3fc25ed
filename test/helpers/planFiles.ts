/**
 * The plans the editor figures open, made by our generator (test/helpers/syntheticPlan.ts), not by a server.
 * The generator spreads time evenly over hundreds of partitions, so a 2,000-node plan has no node above the
 * hotspot threshold; a user's slow plan has one. `planWithHotspot` adds time to one scan under the Append (and
 * the same to its ancestors and the execution time, so the figures stay consistent) to give it rank 1. The
 * scan is the middle one of the Append's members: the view opens centred on the root, so it is drawn at once.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { syntheticPlanJson } from './syntheticPlan';

interface JsonNode {
  'Node Type': string;
  'Actual Total Time': number;
  'Actual Startup Time': number;
  'Actual Loops': number;
  Plans?: JsonNode[];
  [field: string]: unknown;
}

/** syntheticPlanJson(nodes) with one Seq Scan under the Append holding about half of the execution time. */
export function planWithHotspot(nodes: number): string {
  const doc = JSON.parse(syntheticPlanJson(nodes)) as Array<{ Plan: JsonNode; 'Execution Time': number }>;
  const root = doc[0].Plan;
  const append = root.Plans?.[0];
  if (!append || append['Node Type'] !== 'Append' || !append.Plans)
    throw new Error('syntheticPlanJson changed shape: no Append under the root');
  const members = append.Plans;
  const middle = Math.floor(members.length / 2);
  const order = members.map((_, i) => i).sort((a, b) => Math.abs(a - middle) - Math.abs(b - middle));
  const scan = order.map((i) => members[i]).find((m) => m['Node Type'] === 'Seq Scan' && m['Actual Loops'] === 1);
  if (!scan) throw new Error('syntheticPlanJson changed shape: no single-loop Seq Scan under the Append');
  const extra = Math.round(doc[0]['Execution Time']);
  for (const node of [scan, append, root]) node['Actual Total Time'] = round(node['Actual Total Time'] + extra);
  doc[0]['Execution Time'] = round(doc[0]['Execution Time'] + extra);
  return JSON.stringify(doc, null, 2);
}

/** Writes `plan-<n>.json` for each count into `folder`; returns the absolute paths in the same order. */
export function writePlanFiles(folder: string, counts: number[]): string[] {
  return counts.map((n) => {
    const path = join(folder, `plan-${n}.json`);
    writeFileSync(path, planWithHotspot(n));
    return path;
  });
}

function round(v: number): number {
  return Math.round(v * 1000) / 1000;
}
