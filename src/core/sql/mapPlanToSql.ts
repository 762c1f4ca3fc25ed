import type { Plan, PlanNode } from '../plan/planNode';
import type { SourceRange } from '../positions';
import { parseSql } from './parser';
import type { ColumnPredicate, JoinInfo, RelationRef, StatementFacts } from './statementFacts';

/** Where one plan node's work comes from in the statement. */
export interface PlanNodeSqlRanges {
  /** The range to highlight for the node (a scan's relation, a join's JOIN … ON, ORDER BY, …). */
  primary: SourceRange;
  /** For scans: the relation in FROM. */
  relation?: SourceRange;
  /** The WHERE/HAVING predicates the node's Filter applies, when they could be matched. */
  filter?: SourceRange;
}

interface PlanColumn {
  qualifier?: string;
  column: string;
}

const JOIN_NODES = new Set(['Hash Join', 'Merge Join', 'Nested Loop']);
const SORT_NODES = new Set(['Sort', 'Incremental Sort']);
const AGG_NODES = new Set(['Aggregate', 'GroupAggregate', 'HashAggregate', 'MixedAggregate']);

/** Plan node id → the SQL range it comes from (statement offsets). Nodes that match nothing are absent. */
export function mapPlanToSql(plan: Plan, facts: StatementFacts): Record<number, SourceRange> {
  const out: Record<number, SourceRange> = {};
  for (const [id, ranges] of Object.entries(mapPlanToSqlDetailed(plan, facts))) out[Number(id)] = ranges.primary;
  return out;
}

export function mapPlanToSqlDetailed(plan: Plan, facts: StatementFacts): Record<number, PlanNodeSqlRanges> {
  const out: Record<number, PlanNodeSqlRanges> = {};
  const usedRelations = new Set<RelationRef>();
  for (const node of plan.nodes) {
    const f = node.fields;
    const type = f['Node Type'];
    const relation = findRelation(node, facts, usedRelations);
    if (relation) {
      usedRelations.add(relation);
      const filter = f['Filter']
        ? filterRange(f['Filter'], node, relation, facts.predicates, ['where', 'join'])
        : undefined;
      out[node.id] = { primary: relation.range, relation: relation.range, ...(filter ? { filter } : {}) };
      continue;
    }
    if (JOIN_NODES.has(type)) {
      const range = joinRange(node, facts);
      if (range) out[node.id] = { primary: range };
      continue;
    }
    if (AGG_NODES.has(type)) {
      const groupBy = facts.clauseRanges?.groupBy ?? span(facts.groupBy.map((g) => g.range));
      const aggregates = span(facts.selectList.filter((s) => s.aggregate).map((s) => s.range));
      const having = f['Filter']
        ? span(facts.predicates.filter((p) => p.clause === 'having').map((p) => p.range))
        : undefined;
      const primary = groupBy ?? aggregates ?? having;
      if (primary) out[node.id] = { primary, ...(having ? { filter: having } : {}) };
      continue;
    }
    if (SORT_NODES.has(type)) {
      const parentType = node.parentId !== null ? plan.nodes[node.parentId].fields['Node Type'] : '';
      // A Sort feeding a GroupAggregate or Merge Join serves that node, not ORDER BY.
      const range = AGG_NODES.has(parentType)
        ? facts.clauseRanges?.groupBy
        : parentType === 'Merge Join' && node.parentId !== null
          ? joinRange(plan.nodes[node.parentId], facts)
          : (facts.clauseRanges?.orderBy ?? span(facts.orderBy.map((o) => o.range)));
      if (range) out[node.id] = { primary: range };
      continue;
    }
    if (type === 'Limit' && facts.limit) {
      out[node.id] = { primary: facts.limit.range };
    }
  }
  // Bitmap Index Scans name only the index: they read for the Bitmap Heap Scan above them.
  for (const node of plan.nodes) {
    if (out[node.id] || node.fields['Node Type'] !== 'Bitmap Index Scan') continue;
    for (let p = node.parentId; p !== null; p = plan.nodes[p].parentId) {
      const mapped = out[p];
      if (mapped?.relation) {
        out[node.id] = { primary: mapped.relation, relation: mapped.relation };
        break;
      }
      if (!/^Bitmap/.test(plan.nodes[p].fields['Node Type'])) break;
    }
  }
  return out;
}

function findRelation(node: PlanNode, facts: StatementFacts, used: Set<RelationRef>): RelationRef | undefined {
  const f = node.fields;
  const cte = f['CTE Name'];
  const name = f['Relation Name'] ?? cte;
  if (!name) return undefined;
  const alias = f['Alias'] ?? name;
  const candidates = facts.relations.filter((r) => r.name === name && r.isCte === (cte !== undefined));
  const byAlias = candidates.find((r) => r.alias === alias) ?? candidates.find((r) => !r.alias && r.name === alias);
  if (byAlias) return byAlias;
  // PostgreSQL names repeated unaliased relations orders, orders_1, orders_2 … in order of appearance.
  const numbered = new RegExp(`^${escapeRegExp(name)}_(\\d+)$`).exec(alias);
  const unaliased = candidates.filter((r) => !r.alias);
  if (numbered && unaliased[Number(numbered[1])]) return unaliased[Number(numbered[1])];
  return candidates.find((r) => !used.has(r)) ?? candidates[0];
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** The columns an EXPLAIN expression mentions, read with the real parser (EXPLAIN prints valid SQL). */
export function planExpressionColumns(expression: string): PlanColumn[] {
  let ast: unknown;
  try {
    ast = parseSql(`SELECT 1 WHERE ${expression}`);
  } catch {
    return []; // `(hashed SubPlan 1)` and the like are not SQL
  }
  const out: PlanColumn[] = [];
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) {
      node.forEach(visit);
      return;
    }
    if (node === null || typeof node !== 'object') return;
    const obj = node as Record<string, unknown>;
    const ref = obj['ColumnRef'] as { fields?: Array<{ String?: { sval?: string } }> } | undefined;
    if (ref?.fields) {
      const parts = ref.fields.map((p) => p.String?.sval).filter((p): p is string => p !== undefined);
      if (parts.length > 0) {
        out.push({
          ...(parts.length >= 2 ? { qualifier: parts[parts.length - 2] } : {}),
          column: parts[parts.length - 1],
        });
      }
      return;
    }
    Object.values(obj).forEach(visit);
  };
  visit(ast);
  return out;
}

function predicateColumns(p: ColumnPredicate): Array<{ qualifier?: string; column: string; relation?: string }> {
  return p.column ? [p.column] : (p.expression?.columns ?? []);
}

function filterRange(
  filter: string,
  node: PlanNode,
  relation: RelationRef,
  predicates: ColumnPredicate[],
  clauses: Array<ColumnPredicate['clause']>,
): SourceRange | undefined {
  const alias = node.fields['Alias'] ?? relation.alias ?? relation.name;
  const key = relation.alias ?? relation.name;
  const filterColumns = new Set(
    planExpressionColumns(filter)
      .filter((c) => !c.qualifier || c.qualifier === alias)
      .map((c) => c.column),
  );
  const matched = predicates.filter((p) => {
    if (!clauses.includes(p.clause)) return false;
    const cols = predicateColumns(p);
    if (cols.length === 0) return false;
    return cols.every(
      (c) =>
        (c.qualifier ? c.qualifier === key : c.relation === relation.name) &&
        (filterColumns.size === 0 || filterColumns.has(c.column)),
    );
  });
  return span(matched.map((p) => p.range));
}

function joinRange(node: PlanNode, facts: StatementFacts): SourceRange | undefined {
  const f = node.fields;
  const conds = [f['Hash Cond'], f['Merge Cond'], f['Join Filter']].filter((c): c is string => typeof c === 'string');
  let columns = conds.flatMap(planExpressionColumns);
  if (columns.length === 0 && node.children.length === 2) {
    // A Nested Loop's condition usually sits in the inner side's Index Cond, with the inner columns unqualified.
    const inner = findParameterisedScan(node.children[1]);
    if (inner) {
      const alias = inner.fields['Alias'] ?? inner.fields['Relation Name'];
      const cond = [inner.fields['Index Cond'], inner.fields['Recheck Cond'], inner.fields['Filter']].filter(
        (c): c is string => typeof c === 'string',
      );
      columns = cond
        .flatMap(planExpressionColumns)
        .map((c) => (c.qualifier || !alias ? c : { qualifier: alias, column: c.column }));
    }
  }
  const qualifiers = new Set(columns.map((c) => c.qualifier).filter((q): q is string => q !== undefined));
  const has = (q: string | undefined, col: string): boolean =>
    columns.some((c) => c.qualifier === q && c.column === col);
  let best: JoinInfo | undefined;
  let bestScore = 0;
  for (const j of facts.joins) {
    let score = 0;
    for (const k of j.keys)
      if (has(k.left.qualifier, k.left.column) && has(k.right.qualifier, k.right.column)) score += 10;
    if (
      (j.rightRelations ?? []).some((r) => qualifiers.has(r)) &&
      (j.leftRelations ?? []).some((r) => qualifiers.has(r))
    )
      score += 1;
    if (score > bestScore) {
      best = j;
      bestScore = score;
    }
  }
  if (best) return best.clauseRange ?? best.range;
  if (qualifiers.size === 0) {
    const below = scansBelow(node);
    const byScans = facts.joins.find(
      (j) =>
        (j.rightRelations ?? []).length > 0 &&
        (j.rightRelations ?? []).every((r) => below.has(r)) &&
        (j.leftRelations ?? []).some((r) => below.has(r)),
    );
    if (byScans) return byScans.clauseRange ?? byScans.range;
  }
  // Joins written in WHERE (`FROM a, b WHERE a.id = b.a_id`).
  const wherePredicate = facts.predicates.find(
    (p) =>
      p.clause === 'where' &&
      p.kind === 'equality' &&
      p.column &&
      p.valueText === undefined &&
      has(p.column.qualifier, p.column.column),
  );
  return wherePredicate?.range;
}

/** The first node in pre-order with an index or recheck condition. An explicit stack: plans come thousands of levels deep. */
function findParameterisedScan(node: PlanNode): PlanNode | undefined {
  const stack = [node];
  while (stack.length > 0) {
    const n = stack.pop() as PlanNode;
    if (n.fields['Index Cond'] || n.fields['Recheck Cond']) return n;
    for (let i = n.children.length - 1; i >= 0; i--) stack.push(n.children[i]);
  }
  return undefined;
}

function scansBelow(node: PlanNode): Set<string> {
  const out = new Set<string>();
  const stack = [node];
  while (stack.length > 0) {
    const n = stack.pop() as PlanNode;
    const alias = n.fields['Alias'] ?? n.fields['Relation Name'];
    if (alias) out.add(alias);
    for (const c of n.children) stack.push(c);
  }
  return out;
}

function span(ranges: SourceRange[]): SourceRange | undefined {
  if (ranges.length === 0) return undefined;
  return { start: Math.min(...ranges.map((r) => r.start)), end: Math.max(...ranges.map((r) => r.end)) };
}
