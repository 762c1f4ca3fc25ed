/**
 * Plans at the edges of size, written as text directly (JSON.stringify itself recurses and fails on a
 * 10,000-level object): a chain of joins as deep as asked, an Append as wide as asked. Times, rows and
 * buffers are consistent (a parent's inclusive figures contain its children's), so no checks should fire.
 */

/** Optional names for the generated scans (escaping tests put hostile names in). */
export interface ExtremeNames {
  relation?: (i: number) => string;
  alias?: (i: number) => string;
  index?: (i: number) => string;
}

function scanFields(i: number, time: number, names: ExtremeNames, rel: string): string {
  const relation = names.relation?.(i) ?? `t${i}`;
  const alias = names.alias?.(i) ?? relation;
  const index = names.index?.(i) ?? `t${i}_pkey`;
  return (
    `{"Node Type": "Index Scan", "Parent Relationship": ${JSON.stringify(rel)}, "Index Name": ${JSON.stringify(index)}, ` +
    `"Relation Name": ${JSON.stringify(relation)}, "Alias": ${JSON.stringify(alias)}, "Startup Cost": 0.29, "Total Cost": 8.31, ` +
    `"Plan Rows": 1, "Plan Width": 8, "Actual Startup Time": 0.001, "Actual Total Time": ${time.toFixed(3)}, "Actual Rows": 1, ` +
    `"Actual Loops": 1, "Index Cond": "(id = 1)", "Shared Hit Blocks": 3, "Shared Read Blocks": 0}`
  );
}

/**
 * `depth` Nested Loops, each over the next one (outer) and an Index Scan (inner): depth + 1 levels,
 * 2 × depth + 1 nodes. The deepest node is an Index Scan too.
 */
export function deepPlanJson(depth: number, names: ExtremeNames = {}): string {
  const leaf = 0.002;
  const own = 0.001;
  // Inclusive time of the Nested Loop at level i (0 = root): everything below it plus its own.
  const loopTime = (i: number): number => (depth - i) * (leaf + own) + leaf;
  const parts: string[] = ['[{"Plan": '];
  for (let i = 0; i < depth; i++) {
    const rel = i === 0 ? undefined : 'Outer';
    parts.push(
      `{"Node Type": "Nested Loop"${rel ? `, "Parent Relationship": "${rel}"` : ''}, "Join Type": "Inner", "Startup Cost": 0.5, ` +
        `"Total Cost": ${(10 + depth - i).toFixed(2)}, "Plan Rows": 1, "Plan Width": 16, "Actual Startup Time": 0.001, ` +
        `"Actual Total Time": ${loopTime(i).toFixed(3)}, "Actual Rows": 1, "Actual Loops": 1, ` +
        `"Shared Hit Blocks": ${3 * (depth - i + 1)}, "Shared Read Blocks": 0, "Plans": [`,
    );
  }
  parts.push(scanFields(depth, leaf, names, 'Outer'));
  const closing: string[] = [];
  for (let i = depth - 1; i >= 0; i--) closing.push(`, ${scanFields(i, leaf, names, 'Inner')}]}`);
  parts.push(...closing);
  parts.push(`, "Planning Time": 1.0, "Execution Time": ${(loopTime(0) + 0.01).toFixed(3)}}]`);
  return parts.join('');
}

/** An Append over `width` Index Scans: width + 1 nodes, two levels. */
export function widePlanJson(width: number, names: ExtremeNames = {}): string {
  const leaf = 0.002;
  const scans: string[] = [];
  for (let i = 0; i < width; i++) scans.push(scanFields(i, leaf, names, 'Member'));
  const total = width * leaf + 0.01;
  return (
    `[{"Plan": {"Node Type": "Append", "Startup Cost": 0, "Total Cost": ${(width * 8.31).toFixed(2)}, "Plan Rows": ${width}, ` +
    `"Plan Width": 8, "Actual Startup Time": 0.001, "Actual Total Time": ${total.toFixed(3)}, "Actual Rows": ${width}, ` +
    `"Actual Loops": 1, "Shared Hit Blocks": ${3 * width}, "Shared Read Blocks": 0, "Plans": [${scans.join(', ')}]}, ` +
    `"Planning Time": 1.0, "Execution Time": ${(total + 0.01).toFixed(3)}}]`
  );
}
