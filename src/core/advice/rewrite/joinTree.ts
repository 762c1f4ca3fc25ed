/**
 * A grouped join of more than two tables, read as the dimension and the fact the aggregate-before-join rule
 * knows, with what hangs off each:
 * - lookups of the dimension: `users u JOIN plans p ON p.id = u.plan_id … GROUP BY u.id, p.name` (a dashboard
 *   shows the user's plan beside the aggregates of their orders). Joined by their unique key they add columns to
 *   each user, never rows: a LEFT JOIN finds at most one row, an inner join exactly one when the user's column
 *   is NOT NULL and a foreign key to that key. The rewrite joins them with the dimension again;
 * - details of the fact: `orders o JOIN order_items oi ON oi.order_id = o.id … SUM(oi.quantity * oi.price)`
 *   (revenue per customer). They multiply the fact's rows as the original does: the rewrite aggregates the fact
 *   joined to them, the same way, by the fact's join key.
 * The join must be a left-deep tree of plain tables, each joined by equalities to one earlier table. The edge
 * between dimension and fact is the one whose fact side holds every table the aggregates read and whose
 * dimension end is grouped by.
 */
import type { JoinExpr, Node } from '@pgsql/types';
import { columnPath, conjunctsOf, nodeAs, qualifiedName, rangeVarItem, walkNodes, type FromItem } from '../../sql/ast';
import { isNotNull, isUniqueKey, shapeOf, type TableShapes } from '../../db/tableShapes';
import { noMatch, type NoMatch } from './rewriteDraft';

/** A table joined to the dimension or to the fact, with the join that brought it in. */
export interface JoinedTable {
  item: FromItem;
  jointype: 'JOIN_INNER' | 'JOIN_LEFT';
  quals: Node;
}

export interface JoinTree {
  /** The dimension and the fact as one join, the form the rule reads. */
  join: JoinExpr;
  /** The aggregated side's qualifier. */
  fact: string;
  lookups: JoinedTable[];
  details: JoinedTable[];
}

interface Step {
  item: FromItem;
  join?: JoinExpr;
  /** The earlier table its ON joins it to by equalities. */
  partner?: string;
  /** Its columns and the partner's in those equalities, in pairs. */
  own: string[];
  other: string[];
  /** Other conditions of its ON. */
  extra: Node[];
}

/** A left-deep join tree as its tables in order, each with the join that brought it in (none for the first). */
function flatten(join: JoinExpr): Array<{ item: FromItem; join?: JoinExpr }> | undefined {
  const steps: Array<{ item: FromItem; join?: JoinExpr }> = [];
  let node: Node | undefined = { JoinExpr: join } as Node;
  for (;;) {
    const j: JoinExpr | undefined = nodeAs(node, 'JoinExpr');
    if (!j) break;
    const right = rangeVarItem(j.rarg);
    if (!right || j.isNatural || j.usingClause || j.alias || !j.quals) return undefined;
    steps.unshift({ item: right, join: j });
    node = j.larg;
  }
  const first = rangeVarItem(node);
  if (!first) return undefined;
  steps.unshift({ item: first });
  return steps;
}

/** The ON's column equalities with one other table (the partner) and its other conditions. */
function readOn(quals: Node | undefined, own: string): Omit<Step, 'item' | 'join'> | undefined {
  const out: Omit<Step, 'item' | 'join'> = { own: [], other: [], extra: [] };
  for (const c of conjunctsOf(quals)) {
    const e = nodeAs(c, 'A_Expr');
    const op = e?.kind === 'AEXPR_OP' && e.name?.length === 1 ? nodeAs(e.name[0], 'String')?.sval : undefined;
    const l = columnPath(e?.lexpr);
    const r = columnPath(e?.rexpr);
    const [mine, theirs] =
      op === '=' && l?.length === 2 && r?.length === 2 && l[0] !== r[0]
        ? l[0] === own
          ? [l, r]
          : r[0] === own
            ? [r, l]
            : [undefined, undefined]
        : [undefined, undefined];
    if (!mine || !theirs || (out.partner !== undefined && theirs[0] !== out.partner)) {
      out.extra.push(c);
      continue;
    }
    out.partner = theirs[0];
    out.own.push(mine[1]);
    out.other.push(theirs[1]);
  }
  return out.partner ? out : undefined;
}

/** Every table whose chain of partners reaches `root` (root included): its side of the edge above it. */
function subtree(steps: Step[], root: string): Set<string> {
  const out = new Set([root]);
  for (const s of steps) if (s.partner && out.has(s.partner)) out.add(s.item.qualifier);
  return out;
}

/** The qualifiers of every column the node reads, in subqueries too (an ON that looks elsewhere through one). */
function qualifiersIn(node: unknown): Set<string> {
  const out = new Set<string>();
  walkNodes(node, (kind, payload) => {
    const path = kind === 'ColumnRef' ? columnPath({ ColumnRef: payload } as unknown as Node) : undefined;
    if (path?.length === 2) out.add(path[0]);
  });
  return out;
}

/**
 * The join read as dimension and fact with their lookups and details; undefined when it is two tables (the rule
 * reads it as it is) or not a tree this reads (the rule declines as before); a NoMatch when the tables are there
 * but one of them could change the rows the rewrite returns.
 */
export function readJoinTree(
  join: JoinExpr,
  shapes: TableShapes | undefined,
  aggregated: Set<string>,
  groupedColumns: string[][],
): JoinTree | NoMatch | undefined {
  const grouped = new Set(groupedColumns.map((path) => path[0]));
  const flat = flatten(join);
  if (!flat || flat.length <= 2) return undefined;
  const steps: Step[] = [{ item: flat[0].item, own: [], other: [], extra: [] }];
  for (const { item, join: j } of flat.slice(1)) {
    const on = readOn(j?.quals, item.qualifier);
    if (!on || !j || !steps.some((s) => s.item.qualifier === on.partner)) return undefined;
    steps.push({ item, join: j, ...on });
  }
  const all = new Set(steps.map((s) => s.item.qualifier));
  // The dimension–fact edge: the fact's side holds every aggregated table and no grouped one but the fact key.
  let cut: { dim: Step; fact: Step; factSide: Set<string>; edge: Step } | undefined;
  for (const edge of steps.slice(1)) {
    const below = subtree(steps, edge.item.qualifier);
    const above = new Set([...all].filter((q) => !below.has(q)));
    const partner = steps.find((s) => s.item.qualifier === edge.partner) as Step;
    for (const [factSide, fact, dim] of [
      [below, edge, partner],
      [above, partner, edge],
    ] as Array<[Set<string>, Step, Step]>) {
      if (![...aggregated].every((q) => factSide.has(q)) || !grouped.has(dim.item.qualifier)) continue;
      // Only the fact's join columns may be grouped on its side (count(*) alone: nothing of it).
      const factKey = edge === fact ? edge.own : edge.other;
      const groupedOnFactSide = groupedColumns.filter((path) => factSide.has(path[0]));
      const onlyKey = groupedOnFactSide.every((path) => path[0] === fact.item.qualifier && factKey.includes(path[1]));
      if (!onlyKey || (aggregated.size === 0 && groupedOnFactSide.length > 0)) continue;
      if (cut) return noMatch(1, 'the tables split into an aggregated and a grouped side in more than one way');
      cut = { dim, fact, factSide, edge };
    }
  }
  if (!cut)
    return noMatch(
      1,
      `${steps.length} tables, and no join between two of them has every aggregated table on one side and the grouped ones on the other`,
    );
  const { dim, fact, factSide, edge } = cut;
  // The first table is joined by the next one's ON: read only as the dimension or the fact.
  if (steps[0] !== dim && steps[0] !== fact)
    return noMatch(
      1,
      `the FROM starts with ${qualifiedName(steps[0].item)}, neither the grouped table nor the aggregated one: start it with ${qualifiedName(dim.item)} or ${qualifiedName(fact.item)}`,
    );
  const edgeType = edge.join?.jointype;
  const factPreserved = edge === dim ? edgeType === 'JOIN_LEFT' : edgeType === 'JOIN_RIGHT';
  if (edgeType !== 'JOIN_INNER' && edgeType !== 'JOIN_LEFT')
    return noMatch(1, 'a RIGHT or FULL join among more than two tables');
  if (factPreserved) return noMatch(2, 'the aggregates read the preserved side of the outer join');
  const outer = edgeType === 'JOIN_LEFT';
  const lookups: JoinedTable[] = [];
  const details: JoinedTable[] = [];
  for (const s of steps) {
    if (s === dim || s === fact || !s.join) continue;
    const jointype = s.join.jointype;
    if (jointype !== 'JOIN_INNER' && jointype !== 'JOIN_LEFT')
      return noMatch(1, `${qualifiedName(s.item)} is joined by a RIGHT or FULL join`);
    const joined: JoinedTable = { item: s.item, jointype, quals: s.join.quals as Node };
    if (factSide.has(s.item.qualifier)) {
      // Its ON goes into the aggregated subquery, where only the fact side is.
      if ([...qualifiersIn(s.join.quals)].some((q) => !factSide.has(q)))
        return noMatch(1, `the join of ${qualifiedName(s.item)} reads a table of the other side`);
      // (u ⟕ o) ⋈ oi drops the users without orders: the original is then no outer join the rewrite can keep.
      if (outer && jointype !== 'JOIN_LEFT')
        return noMatch(
          3,
          `${qualifiedName(s.item)} is joined inner after the LEFT JOIN of ${qualifiedName(fact.item)}, which drops the unmatched ${dim.item.qualifier} rows: write both joins inner, or both LEFT`,
        );
      details.push(joined);
      continue;
    }
    if (s.partner !== dim.item.qualifier || s.extra.length > 0 || !shapes)
      return noMatch(
        1,
        `${qualifiedName(s.item)} is not joined to ${dim.item.qualifier} by key equalities alone${shapes ? '' : ' (no catalog to check its key)'}`,
      );
    if (!isUniqueKey(shapeOf(shapes, qualifiedName(s.item)), s.own))
      return noMatch(
        1,
        `${qualifiedName(s.item)} is joined on (${s.own.join(', ')}), not a unique key of it: it could repeat rows`,
      );
    if (jointype === 'JOIN_INNER') {
      const dimShape = shapeOf(shapes, qualifiedName(dim.item));
      const referenced = dimShape?.foreignKeys.some(
        (f) =>
          f.refTable === s.item.relname &&
          f.columns.length === s.other.length &&
          s.other.every((col, i) => f.columns[f.refColumns.indexOf(s.own[i])] === col),
      );
      if (!referenced || !s.other.every((c) => isNotNull(dimShape, c)))
        return noMatch(
          1,
          `${qualifiedName(s.item)} is joined inner on ${dim.item.qualifier}.${s.other.join(', ')}, which is not a NOT NULL foreign key to it: rows without a match would drop out after the rewrite's LIMIT`,
        );
    }
    lookups.push(joined);
  }
  // The edge's own ON, between the two: the rule reads its key equalities and one-side conditions.
  const edgeQuals = edge.join?.quals as Node;
  if ([...qualifiersIn(edgeQuals)].some((q) => q !== dim.item.qualifier && q !== fact.item.qualifier))
    return noMatch(1, `the join of ${qualifiedName(edge.item)} reads a third table`);
  const reduced: JoinExpr =
    edge === fact
      ? { ...(edge.join as JoinExpr), larg: dim.item.node, rarg: fact.item.node }
      : { ...(edge.join as JoinExpr), larg: fact.item.node, rarg: dim.item.node };
  return { join: reduced, fact: fact.item.qualifier, lookups, details };
}
