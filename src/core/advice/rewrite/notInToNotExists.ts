/**
 * `x NOT IN (SELECT col FROM t …)` → `NOT EXISTS (SELECT 1 FROM t … AND t.col = x)`. NOT IN over a
 * subquery cannot use an anti-join (PostgreSQL plans it as a hashed or, worse, a plain subplan per row) and
 * has a NULL trap: one NULL in `col` makes NOT IN return no row at all. The two agree only when `col` cannot
 * be NULL (NOT NULL in the catalog, or filtered `IS NOT NULL` in the subquery); otherwise the rewrite is
 * shown as not equivalent, never as a fix.
 */
import type { Node, SelectStmt } from '@pgsql/types';
import {
  andOf,
  clone,
  columnPath,
  columnRef,
  conjunctsOf,
  intConst,
  nodeAs,
  opExpr,
  qualifiedName,
  replaceNodes,
  resTarget,
  selectToSql,
  singleTable,
  wrap,
  type FromItem,
} from '../../sql/ast';
import { matched, noMatch, type RewriteDraft, type RewriteRule } from './rewriteDraft';
import { isNotNull, shapeOf } from '../../db/tableShapes';

function filteredNotNull(sub: SelectStmt, column: string): boolean {
  return conjunctsOf(sub.whereClause).some((c) => {
    const t = nodeAs(c, 'NullTest');
    const path = columnPath(t?.arg);
    return t?.nulltesttype === 'IS_NOT_NULL' && path !== undefined && path[path.length - 1] === column;
  });
}

/** One `x NOT IN (SELECT col FROM t …)` conjunct, both sides qualified. */
interface NotIn {
  conjunct: Node;
  sub: SelectStmt;
  inner: FromItem;
  innerColumn: string;
  outerRef: string[];
}

export const notInToNotExists: RewriteRule<NotIn[]> = {
  id: 'not-in-to-not-exists',
  match({ parsed }) {
    const stmt = parsed.stmt;
    const outerTable = singleTable(stmt);
    const found: NotIn[] = [];
    let blocked: string | undefined;
    for (const conjunct of conjunctsOf(stmt.whereClause)) {
      const not = nodeAs(conjunct, 'BoolExpr');
      if (not?.boolop !== 'NOT_EXPR' || not.args?.length !== 1) continue;
      const link = nodeAs(not.args[0], 'SubLink');
      if (link?.subLinkType !== 'ANY_SUBLINK' || link.operName?.length) continue;
      const sub = nodeAs(link.subselect, 'SelectStmt');
      const inner = sub ? singleTable(sub) : undefined;
      const outerPath = columnPath(link.testexpr);
      if (
        !sub ||
        !inner ||
        !outerPath ||
        sub.groupClause ||
        sub.limitCount ||
        sub.distinctClause ||
        sub.targetList?.length !== 1
      ) {
        blocked =
          'the NOT IN tests an expression, or its subquery is not one column of one table without GROUP BY, DISTINCT or LIMIT';
        continue;
      }
      const innerPath = columnPath(nodeAs(sub.targetList[0], 'ResTarget')?.val);
      if (!innerPath) {
        blocked = 'the NOT IN subquery returns an expression, not a column';
        continue;
      }
      // Qualify both sides, so that inside NOT EXISTS neither name can bind to the other table.
      let outerRef: string[];
      if (outerPath.length >= 2) outerRef = outerPath;
      else if (outerTable && outerTable.qualifier !== inner.qualifier) outerRef = [outerTable.qualifier, outerPath[0]];
      else {
        blocked = `the tested column ${outerPath[0]} cannot be qualified (name it with its table)`;
        continue;
      }
      if (outerRef[0] === inner.qualifier) {
        blocked = 'the outer and inner tables share a name: qualify them with different aliases';
        continue;
      }
      found.push({ conjunct, sub, inner, innerColumn: innerPath[innerPath.length - 1], outerRef });
    }
    if (found.length > 0) return matched(found);
    return blocked ? noMatch(1, blocked) : noMatch(0, 'no NOT IN (subquery) among the WHERE conditions');
  },
  build(found, { parsed, shapes }) {
    const stmt = parsed.stmt;
    const outerTable = singleTable(stmt);
    const drafts: RewriteDraft[] = [];
    for (const { conjunct, sub, inner, innerColumn, outerRef } of found) {
      const innerRef = [inner.qualifier, innerColumn];
      const innerShape = shapeOf(shapes, qualifiedName(inner));
      const innerNotNull = isNotNull(innerShape, innerColumn) || filteredNotNull(sub, innerColumn);
      const outerColumn = outerRef[outerRef.length - 1];
      const outerShape =
        outerTable && outerRef[0] === outerTable.qualifier ? shapeOf(shapes, qualifiedName(outerTable)) : undefined;
      const outerNotNull = isNotNull(outerShape, outerColumn);

      const existsSub: SelectStmt = {
        ...clone(sub),
        targetList: [resTarget(intConst(1))],
        whereClause: andOf([
          ...conjunctsOf(clone(sub.whereClause)),
          opExpr('=', columnRef(...innerRef), columnRef(...outerRef)),
        ]),
      };
      const notExists = wrap('BoolExpr', {
        boolop: 'NOT_EXPR',
        args: [wrap('SubLink', { subLinkType: 'EXISTS_SUBLINK', subselect: wrap('SelectStmt', existsSub) })],
      });
      // A NULL tested value: NOT IN is true only when the subquery is empty (NULL, so the row is dropped,
      // otherwise), while NOT EXISTS keeps the row; `(x IS NOT NULL OR NOT EXISTS (subquery))` says NOT IN's answer.
      const nullGuard = andOf([
        notExists,
        wrap('BoolExpr', {
          boolop: 'OR_EXPR',
          args: [
            wrap('NullTest', { arg: columnRef(...outerRef), nulltesttype: 'IS_NOT_NULL' }),
            wrap('BoolExpr', {
              boolop: 'NOT_EXPR',
              args: [
                wrap('SubLink', {
                  subLinkType: 'EXISTS_SUBLINK',
                  subselect: wrap('SelectStmt', { ...clone(sub), targetList: [resTarget(intConst(1))] }),
                }),
              ],
            }),
          ],
        }),
      ]);
      const replacement = outerNotNull ? notExists : nullGuard;
      // replaceNodes hands over the original objects, so the conjunct is found by identity.
      const out = replaceNodes(stmt, (node) => (node === conjunct ? replacement : undefined));

      const innerText = `${inner.qualifier}.${innerColumn}`;
      const outerText = outerRef.join('.');
      const caveats: string[] = [];
      let knownDifference: string | undefined;
      if (!innerNotNull) {
        knownDifference =
          `${innerText} can be NULL${innerShape ? ' (no NOT NULL constraint, no IS NOT NULL filter)' : ' (no catalog to check; no IS NOT NULL filter)'}: ` +
          `one NULL there makes NOT IN return no rows at all, while NOT EXISTS ignores it. The results differ, so this is not offered as an equivalent rewrite; ` +
          `if NOT EXISTS is what was meant (it usually is), change the query deliberately, or add WHERE ${innerText} IS NOT NULL to the subquery to keep NOT IN's answer.`;
      }
      if (!outerNotNull) {
        caveats.push(
          `${outerText} can be NULL${outerShape ? '' : ' (no catalog to check)'}: NOT IN drops such a row unless the subquery is empty, NOT EXISTS alone would keep it, so the rewrite adds (${outerText} IS NOT NULL OR NOT EXISTS (the subquery)) to keep NOT IN's answer.`,
        );
      }
      drafts.push({
        id: 'not-in-to-not-exists',
        title: `NOT IN (subquery) → NOT EXISTS`,
        explanation:
          `NOT IN (SELECT …) cannot be planned as an anti-join, because of how it treats NULL; it runs as a subplan that hashes or rescans the subquery per row. ` +
          `NOT EXISTS with the correlation ${innerText} = ${outerText} becomes a Hash or Merge Anti Join.`,
        rewrittenSql: selectToSql(out),
        caveats,
        knownDifference,
      });
    }
    return drafts;
  },
};
