import type { Insight, Plan, Severity } from '../src/shared/protocol';
import { nodeShare } from './heat';

/** Findings of one rule that say the same thing about different nodes, listed as one entry (issue 13). */
export interface InsightGroup {
  /** The rule and the title with its figures and numbered names blanked out. */
  key: string;
  ruleId: string;
  severity: Severity;
  /** Most share of the plan first; the first is the one the entry shows. */
  insights: Insight[];
  /** The plan nodes of all of them, once each, most share first. */
  nodeIds: number[];
  /** The nodes' summed share of the plan (execution time, or cost for an estimate-only plan), 0..1. */
  share: number;
}

const severityRank: Record<Severity, number> = { critical: 2, warning: 1, info: 0 };

/**
 * "Seq Scan on measurements_p02183 discards 29,353 of 30,850 rows" and "… measurements_p01607 discards 29,937 …"
 * are the same kind of finding: the rule plus the title with its digits blanked is the group's key.
 */
export function insightKey(insight: Insight): string {
  return `${insight.ruleId}\u0000${insight.severity}\u0000${insight.title.replace(/\d+(?:[.,]\d+)*/g, '#')}`;
}

/** Groups identical findings and ranks the groups by their share of the plan, then by severity. */
export function groupInsights(insights: readonly Insight[], plan: Plan): InsightGroup[] {
  const shareOf = (id: number): number => {
    const node = plan.nodes[id];
    return node ? nodeShare(plan, node) : 0;
  };
  const insightShare = (insight: Insight): number => insight.nodeIds.reduce((max, id) => Math.max(max, shareOf(id)), 0);
  const byKey = new Map<string, { group: InsightGroup; first: number }>();
  insights.forEach((insight, index) => {
    const key = insightKey(insight);
    let entry = byKey.get(key);
    if (!entry) {
      entry = {
        group: { key, ruleId: insight.ruleId, severity: insight.severity, insights: [], nodeIds: [], share: 0 },
        first: index,
      };
      byKey.set(key, entry);
    }
    entry.group.insights.push(insight);
  });
  const groups = [...byKey.values()].map(({ group, first }) => {
    const shares = new Map(group.insights.map((i) => [i, insightShare(i)]));
    group.insights.sort((a, b) => shares.get(b)! - shares.get(a)!);
    const nodes = new Set<number>();
    for (const i of group.insights) for (const id of i.nodeIds) if (plan.nodes[id]) nodes.add(id);
    group.nodeIds = [...nodes].sort((a, b) => shareOf(b) - shareOf(a));
    group.share = Math.min(
      1,
      group.nodeIds.reduce((sum, id) => sum + shareOf(id), 0),
    );
    return { group, first };
  });
  groups.sort(
    (a, b) =>
      b.group.share - a.group.share ||
      severityRank[b.group.severity] - severityRank[a.group.severity] ||
      a.first - b.first,
  );
  return groups.map((g) => g.group);
}
