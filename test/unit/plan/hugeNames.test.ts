/**
 * A 100 MB relation name (a hostile or broken plan) used to run the process out of memory: every output line
 * and every insight that mentioned the table copied it (an insight quoted it three times). Every output now
 * shows at most MAX_SHOWN_NAME characters of a name, with an ellipsis and the full length; --json keeps the
 * plan's fields once, so it stays about the size of the input.
 */
import { strict as assert } from 'node:assert';
import { createColours } from '../../../src/cli/colours';
import { writeResultJson } from '../../../src/cli/formatJson';
import { formatResult } from '../../../src/cli/formatResult';
import { comparePlans } from '../../../src/core/compare/comparePlans';
import { comparisonMarkdown, comparisonRows, comparisonText } from '../../../src/core/compare/comparisonTable';
import { analysePlanText } from '../../../src/core/pipeline/explainAndOptimize';
import { nodeLabel } from '../../../src/core/plan/planNode';
import { renderMarkdownReport } from '../../../src/core/report/markdownReport';
import { MAX_SHOWN_NAME } from '../../../src/core/text/displayName';
import type { TuningResult } from '../../../src/core/pipeline/tuningResult';

const NAME_LENGTH = 100 * 1024 * 1024;

describe('a 100 MB name', function () {
  this.timeout(300_000);
  let text: string;
  let result: TuningResult;

  before(async () => {
    const name = 'n'.repeat(NAME_LENGTH);
    // A slow selective Seq Scan under a spilling Sort: several insights mention the table.
    text = JSON.stringify([
      {
        Plan: {
          'Node Type': 'Sort',
          'Sort Key': ['x'],
          'Sort Method': 'external merge',
          'Sort Space Used': 90000,
          'Sort Space Type': 'Disk',
          'Actual Total Time': 900,
          'Actual Loops': 1,
          'Actual Rows': 1000,
          'Plan Rows': 1,
          'Total Cost': 1000,
          'Temp Written Blocks': 9000,
          'Temp Read Blocks': 9000,
          Plans: [
            {
              'Node Type': 'Seq Scan',
              'Parent Relationship': 'Outer',
              'Relation Name': name,
              Alias: 't',
              Filter: '(x = 1)',
              'Rows Removed by Filter': 9000000,
              'Actual Total Time': 800,
              'Actual Loops': 1,
              'Actual Rows': 1000,
              'Plan Rows': 1,
              'Total Cost': 900,
              'Shared Read Blocks': 90000,
            },
          ],
        },
        'Execution Time': 901,
      },
    ]);
    result = await analysePlanText(text);
  });

  it('is shown capped, with an ellipsis and its full length', () => {
    const label = nodeLabel(result.plan.nodes[1]);
    assert.ok(label.length < MAX_SHOWN_NAME + 100, `${label.length}`);
    assert.match(label, new RegExp(`^Seq Scan on n{${MAX_SHOWN_NAME}}…\\(${NAME_LENGTH} characters\\) t$`));
    assert.ok(
      result.insights.some((i) => i.ruleId === 'seq-scan-large-table'),
      'the insights that quote the name still run',
    );
  });

  it('the CLI text and the Markdown report stay small', () => {
    const out = formatResult(result, createColours(false));
    assert.ok(out.length < 50_000, `${out.length} characters of CLI output`);
    assert.match(out, new RegExp(`…\\(${NAME_LENGTH} characters\\)`));
    const md = renderMarkdownReport(result);
    assert.ok(md.length < 50_000, `${md.length} characters of report`);
  });

  it("--json holds the name once, in the node's fields: about the size of the input", () => {
    let length = 0;
    writeResultJson(result, (piece) => (length += piece.length));
    assert.ok(length < text.length * 1.1, `${length} characters of JSON for ${text.length} of plan`);
  });

  it('compare shows it capped too', () => {
    const c = comparePlans(result.plan, result.plan);
    const rows = comparisonRows(
      c,
      (id) => result.plan.nodes[id].depth,
      (id) => result.plan.nodes[id].depth,
    );
    assert.ok(comparisonText(c, rows).length < 20_000);
    assert.ok(comparisonMarkdown(c, rows).length < 20_000);
  });
});
