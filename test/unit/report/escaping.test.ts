/**
 * Names from plans reach every output as text: a relation called `<img src=x onerror=alert(1)>` must not
 * become a live tag in a rendered Markdown report, an index name carrying ESC ]0;…BEL or ESC [2J must not
 * retitle or clear the terminal (with colour or without), and `|`, backticks and newlines must not break a
 * table, open a code span or start a heading. Through the built CLI where the CLI prints.
 */
import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createColours } from '../../../src/cli/colours';
import { formatResult } from '../../../src/cli/formatResult';
import { comparePlans } from '../../../src/core/compare/comparePlans';
import { comparisonMarkdown, comparisonRows } from '../../../src/core/compare/comparisonTable';
import { analysePlanText } from '../../../src/core/pipeline/explainAndOptimize';
import { renderMarkdownReport } from '../../../src/core/report/markdownReport';
import { terminalText } from '../../../src/core/text/terminalText';
import { buildBundles, runCli } from '../../helpers/cliBundle';
import { deepPlanJson } from '../../helpers/extremePlans';

const IMG = '<img src=x onerror=alert(1)>';
const TITLE = '\u001b]0;pwned\u0007';
const CLEAR = '\u001b[2J';
const names = {
  relation: (i: number) => [IMG, 'orders|x', 'a`b``c', `lines\n# Heading\n${IMG}`][i % 4],
  alias: (i: number) => [`al${TITLE}`, `o${CLEAR}`, '`', 'x|y'][i % 4],
  index: (i: number) => [`idx${CLEAR}`, `idx${TITLE}`, `i<b>&amp;`, 'i\u009b2J'][i % 4],
};
const hostilePlan = deepPlanJson(5, names);

/** Raw pieces of the hostile names that must never reach an output. */
function assertNoRawControls(out: string, what: string): void {
  assert.doesNotMatch(out, /\u001b\]/, `${what}: an OSC sequence (window title) got through`);
  assert.doesNotMatch(out, /\u001b\[2J/, `${what}: a screen clear got through`);
  assert.doesNotMatch(out, /[\u0007\u009b]/, `${what}: BEL or CSI got through`);
}

function assertMarkdownSafe(md: string, what: string): void {
  // Fenced blocks show their text literally (the fence is longer than any backtick run in it): the plan tree
  // keeps names as they are there. Everywhere else a tag must arrive as text.
  const outsideFences = md.replace(/^(`{3,})[^\n]*\n[\s\S]*?\n\1$/gm, '');
  assert.ok(!outsideFences.includes('<img'), `${what}: a live <img> tag`);
  assert.ok(!outsideFences.includes('<b>'), `${what}: a live <b> tag`);
  assert.ok(md.includes('&lt;img src=x onerror=alert(1)>'), `${what}: the name is shown as text`);
  assert.doesNotMatch(md, /^# Heading/m, `${what}: a newline in a name started a heading`);
  assertNoRawControls(md, what);
  // Every row of a table has as many cell separators as its header: a `|` in a name did not split a cell.
  const lines = md.split('\n');
  const pipes = (line: string): number => (line.match(/(?<!\\)\|/g) ?? []).length;
  for (let i = 0; i < lines.length; i++) {
    if (!/^\|.*\|$/.test(lines[i]) || !/^\|[-:| ]+\|$/.test(lines[i + 1] ?? '')) continue;
    const width = pipes(lines[i]);
    for (let j = i + 2; j < lines.length && lines[j].startsWith('|'); j++)
      assert.equal(pipes(lines[j]), width, `${what}: ${lines[j]}`);
  }
  // No backtick of a name opens a code span: outside fenced blocks, each one is escaped.
  assert.ok(!/(?<!\\)`b``c/.test(outsideFences), `${what}: a backtick from a name is raw`);
}

describe('names from plans are escaped for each medium', function () {
  this.timeout(300_000);
  let dir: string;
  let planPath: string;
  let otherPath: string;

  before(() => {
    buildBundles();
    dir = mkdtempSync(join(tmpdir(), 'pg-tuner-escaping-'));
    planPath = join(dir, 'hostile.json');
    otherPath = join(dir, 'hostile-after.json');
    writeFileSync(planPath, hostilePlan);
    // A second plan one level shorter, so compare has changes to summarise.
    writeFileSync(otherPath, deepPlanJson(4, names));
  });

  after(() => rmSync(dir, { recursive: true, force: true }));

  it('the Markdown report shows the names as text', async () => {
    const result = await analysePlanText(hostilePlan);
    const before = await analysePlanText(deepPlanJson(4, names));
    assertMarkdownSafe(
      renderMarkdownReport(result, { comparison: { before, after: result, label: `${IMG} → this plan` } }),
      'report',
    );
  });

  it('compare --markdown shows the names as text', async () => {
    const a = await analysePlanText(deepPlanJson(4, names));
    const b = await analysePlanText(hostilePlan);
    const c = comparePlans(a.plan, b.plan);
    const rows = comparisonRows(
      c,
      (id) => a.plan.nodes[id].depth,
      (id) => b.plan.nodes[id].depth,
    );
    assertMarkdownSafe(comparisonMarkdown(c, rows, `Plan comparison: ${IMG}`), 'compare --markdown');
  });

  it('terminal output keeps its own colours and nothing else of the kind', async () => {
    const result = await analysePlanText(hostilePlan);
    const coloured = terminalText(formatResult(result, createColours(true)), true);
    assertNoRawControls(coloured, 'coloured tree');
    assert.match(coloured, /\u001b\[31m/, 'our own colour codes stay');
    assert.match(coloured, /idx\\x1b\[2J/, 'the escape is shown as text');
    const plain = terminalText(formatResult(result, createColours(false)), false);
    assert.doesNotMatch(plain, /\u001b/);
  });

  it('the built CLI prints no control sequence from a name: plan, plan --no-color, compare, compare --markdown, report', async () => {
    const runs = [
      ['plan', planPath],
      ['plan', planPath, '--no-color'],
      ['compare', otherPath, planPath],
      ['compare', otherPath, planPath, '--markdown'],
      ['report', '--plan', planPath],
    ];
    for (const args of runs) {
      const r = await runCli(args);
      assert.equal(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
      assertNoRawControls(r.stdout, args.join(' '));
      assertNoRawControls(r.stderr, args.join(' '));
      assert.doesNotMatch(r.stdout, /\u001b/, `${args.join(' ')}: no escape at all without a terminal`);
      if (args.includes('--markdown') || args[0] === 'report') assertMarkdownSafe(r.stdout, args.join(' '));
      else assert.match(r.stdout, /lines\\n# Heading\\n/, `${args.join(' ')}: a newline in a name is shown as \\n`);
    }
  });
});
