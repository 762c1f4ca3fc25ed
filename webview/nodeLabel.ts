import type { RawPlanFields } from '../src/shared/protocol';

/**
 * A short label for a plan node ("Seq Scan on orders o", "Hash Join Left", "HashAggregate"). Mirrors
 * nodeLabel() in src/core/plan/planNode.ts, which the webview can't import (it bundles src/shared only).
 */
export function nodeLabel(fields: RawPlanFields): string {
  const type = fields['Node Type'];
  const strategy = fields['Strategy'];
  const joinType = fields['Join Type'];
  let head: string;
  if (type === 'Aggregate' && typeof strategy === 'string' && strategy !== 'Plain') {
    head = strategy === 'Hashed' ? 'HashAggregate' : strategy === 'Sorted' ? 'GroupAggregate' : `${strategy}Aggregate`;
  } else if (joinType && joinType !== 'Inner' && /Join|Nested Loop/.test(type)) {
    head = `${type} ${joinType}`;
  } else {
    head = type;
  }
  const parts = [head];
  if (fields['Index Name']) parts.push(`using ${fields['Index Name']}`);
  if (fields['Relation Name']) {
    parts.push(`on ${fields['Relation Name']}`);
    if (fields['Alias'] && fields['Alias'] !== fields['Relation Name']) parts.push(fields['Alias']);
  } else if (fields['CTE Name']) {
    parts.push(`on ${fields['CTE Name']}`);
  } else if (fields['Function Name']) {
    parts.push(`on ${fields['Function Name']}`);
  }
  return parts.join(' ');
}

/** "InitPlan 1", "SubPlan 2", "Inner", … shown above the label when the node is not a plain child. */
export function nodeRole(fields: RawPlanFields): string | undefined {
  const sub = fields['Subplan Name'];
  if (typeof sub === 'string' && sub) return sub;
  const rel = fields['Parent Relationship'];
  return rel === 'InitPlan' || rel === 'SubPlan' ? rel : undefined;
}
