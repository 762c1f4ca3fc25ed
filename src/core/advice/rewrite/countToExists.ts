/**
 * `(SELECT count(*) FROM … WHERE …) > 0` → `EXISTS (SELECT 1 FROM … WHERE …)`: counting every match to learn
 * whether there is one reads all of them; EXISTS stops at the first (and can become a semi-join).
 * `= 0` becomes NOT EXISTS. `count(col)` counts non-NULL values, so it adds `col IS NOT NULL`.
 */
import type { Node, SelectStmt } from '@pgsql/types';
import {
  andOf,
  clone,
  conjunctsOf,
  funcName,
  intConst,
  intValue,
  nodeAs,
  replaceNodes,
  resTarget,
  selectToSql,
  wrap,
} from '../../sql/ast';
import { matched, noMatch, type RewriteRule } from './rewriteDraft';

/** The count subquery of `(SELECT count(…) …)`, when that is what the node is. */
function countSubquery(node: Node | undefined): SelectStmt | undefined {
  const link = nodeAs(node, 'SubLink');
  const sub = nodeAs(link?.subselect, 'SelectStmt');
  if (
    link?.subLinkType !== 'EXPR_SUBLINK' ||
    !sub ||
    sub.groupClause ||
    sub.havingClause ||
    sub.limitCount ||
    // OFFSET 1 skips count()'s one row: the subquery is NULL, while EXISTS would test its second match.
    sub.limitOffset ||
    sub.targetList?.length !== 1
  )
    return undefined;
  const val = nodeAs(sub.targetList[0], 'ResTarget')?.val;
  const call = nodeAs(val, 'FuncCall');
  if (funcName(val) !== 'count' || !call || call.agg_distinct || call.agg_filter || call.over) return undefined;
  return sub;
}

type Test = 'exists' | 'not-exists';

function existenceTest(expr: Node): { sub: SelectStmt; test: Test } | undefined {
  const e = nodeAs(expr, 'A_Expr');
  const op = e?.name?.length === 1 ? nodeAs(e.name[0], 'String')?.sval : undefined;
  if (!e || e.kind !== 'AEXPR_OP' || !op) return undefined;
  const leftSub = countSubquery(e.lexpr);
  const rightSub = countSubquery(e.rexpr);
  const sub = leftSub ?? rightSub;
  const value = intValue(leftSub ? e.rexpr : e.lexpr);
  if (!sub || value === undefined) return undefined;
  // Normalise to `count <op> value`.
  const flipped: Record<string, string> = {
    '>': '<',
    '<': '>',
    '>=': '<=',
    '<=': '>=',
    '=': '=',
    '<>': '<>',
    '!=': '!=',
  };
  const o = leftSub ? op : flipped[op];
  if ((o === '>' && value === 0) || (o === '>=' && value === 1) || ((o === '<>' || o === '!=') && value === 0))
    return { sub, test: 'exists' };
  if ((o === '=' && value === 0) || (o === '<' && value === 1) || (o === '<=' && value === 0))
    return { sub, test: 'not-exists' };
  return undefined;
}

/** The statement with every existence test rewritten. */
interface CountMatch {
  out: SelectStmt;
}

export const countToExists: RewriteRule<CountMatch> = {
  id: 'count-to-exists',
  match({ parsed }) {
    let found = 0;
    const out = replaceNodes(parsed.stmt, (node) => {
      const hit = existenceTest(node);
      if (!hit) return undefined;
      found++;
      const countArg = nodeAs(nodeAs(hit.sub.targetList?.[0], 'ResTarget')?.val, 'FuncCall')?.args?.[0];
      const where = conjunctsOf(clone(hit.sub.whereClause));
      if (countArg) where.push(wrap('NullTest', { arg: clone(countArg), nulltesttype: 'IS_NOT_NULL' }));
      const exists = wrap('SubLink', {
        subLinkType: 'EXISTS_SUBLINK',
        subselect: wrap('SelectStmt', {
          ...clone(hit.sub),
          targetList: [resTarget(intConst(1))],
          whereClause: andOf(where),
        }),
      });
      return hit.test === 'exists' ? exists : wrap('BoolExpr', { boolop: 'NOT_EXPR', args: [exists] });
    });
    if (found === 0) return noMatch(0, 'no (SELECT count(…) …) is compared with 0 or 1');
    return matched({ out });
  },
  build({ out }) {
    return [
      {
        id: 'count-to-exists',
        title: 'COUNT(*) > 0 → EXISTS',
        explanation:
          'Counting all matching rows only to compare the count with zero reads every match. EXISTS answers the same question and stops at the first match; ' +
          'in a WHERE clause it can also be planned as a semi-join.',
        rewrittenSql: selectToSql(out),
        caveats: [],
      },
    ];
  },
};
