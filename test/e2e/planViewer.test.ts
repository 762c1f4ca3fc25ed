/**
 * The plan viewer in a real VS Code (code-server + Chromium), with no database connection: "Open Plan from
 * Clipboard" with plans in the shapes users paste them (psql with `+` continuation marks, pgAdmin's quoted
 * grid, DBeaver's tab-separated copy, an auto_explain log entry); Export SVG and Export PNG from the view's
 * toolbar through the editor's own Save dialog, the files read back; a plan with an Append over 300 partitions
 * drawn as one sibling group that expands, collapses and whose members the view's search finds; a node of a plan
 * explained from queries.sql (embedded database) selected: its SQL is revealed and the view keeps its keys.
 *
 * Pasted samples and their FORMAT JSON twins come from test/fixtures/plans (made by a real PostgreSQL 15, see
 * the READMEs there); the 300-partition plan is made by the test server (test/unit/webview/partitionedResult).
 * The expected trees are the twins parsed with the product's parsePlan: the view must show the same tree.
 */
import { strict as assert } from 'node:assert';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { inflateSync } from 'node:zlib';
import type { Frame } from 'playwright-core';
import { parsePlan } from '../../src/core/plan/parsePlan';
import type { Plan } from '../../src/core/plan/planNode';
import { nodeLabel } from '../../webview/nodeLabel';
import { testServer } from '../helpers/globalServer';
import { partitionedResult, partitionName, PARTITIONS } from '../unit/webview/partitionedResult';
import { repoRoot, useEditor } from './codeServer';
import { waitFor } from './pageProbes';
import { notificationText } from './workbench';

const fixtures = join(repoRoot, 'test/fixtures/plans');

interface PastedCase {
  shape: string;
  sample: string;
  twin: string;
  /** What the text looks like, checked so that the case keeps testing the shape it names. */
  looksLike: RegExp;
}

const pasted: PastedCase[] = [
  {
    shape: 'psql FORMAT JSON output (QUERY PLAN header, "+" continuation marks, (1 row) footer)',
    sample: 'real/16-cte-materialized.psql-json.txt',
    twin: 'real/16-cte-materialized.json',
    looksLike: /QUERY PLAN[\s\S]*\+\n[\s\S]*\(1 row\)/,
  },
  {
    shape: "pgAdmin's copy with headers (every cell quoted)",
    sample: 'pasted/pg15-nested-loop.pgadmin-copy.txt',
    twin: 'pasted/pg15-nested-loop.json',
    looksLike: /^"QUERY PLAN"\n"Nested Loop {2}\(/,
  },
  {
    shape: "DBeaver's advanced copy (row numbers, tab separated, the JSON cell quoted)",
    sample: 'pasted/pg15-nested-loop.dbeaver-copy.json.tsv',
    twin: 'pasted/pg15-nested-loop.json',
    looksLike: /^#\tQUERY PLAN\n1\t"\[\n[\s\S]*""Node Type""/,
  },
  {
    shape: 'an auto_explain entry of the server log (LOG:  duration: … plan: and the JSON plan)',
    sample: 'pasted/pg15-agg.server-log.json.log',
    twin: 'pasted/pg15-agg.json',
    looksLike: /LOG: {2}duration: [\d.]+ ms {2}plan:\n\t\{/,
  },
];

/** What the plan view shows, read from its frame. */
interface ViewFacts {
  title: string;
  nodes: string;
  rootLabel: string;
}

function readFacts(frame: Frame): Promise<ViewFacts> {
  return frame.evaluate(() => {
    const stat = [...document.querySelectorAll('.summary .stat')].find(
      (s) => s.querySelector('dt')?.textContent === 'Nodes',
    );
    return {
      title: document.querySelector('.summary .title')?.textContent ?? '',
      nodes: stat?.querySelector('dd')?.textContent ?? '',
      rootLabel: document.querySelector('#plan-node-0 text.label')?.textContent ?? '',
    };
  });
}

/** A drawn label is the node's label, or its start cut with "…" where the box is too narrow for it. */
function fits(drawn: string, label: string): boolean {
  return drawn === label || (drawn.endsWith('…') && drawn.length > 1 && label.startsWith(drawn.slice(0, -1)));
}

/** Each expected label drawn exactly once (a multiset match: two CTE scans of one CTE share a label). */
function assertSameLabels(drawn: string[], expected: string[]): void {
  const left = [...drawn];
  for (const label of expected) {
    const at = left.findIndex((d) => fits(d, label));
    assert.ok(at >= 0, `"${label}" drawn; drawn: ${drawn.join(' | ')}`);
    left.splice(at, 1);
  }
  assert.deepEqual(left, [], 'no other node drawn');
}

function twinPlan(twin: string): Plan {
  return parsePlan(readFileSync(join(fixtures, twin), 'utf8'));
}

describe('Plan viewer, end to end (code-server + Chromium): pasted shapes, export, huge plans', function () {
  this.timeout(600_000);
  // "Open Plan from Clipboard" reads the workbench's clipboard, which is the browser's.
  const ed = useEditor({ name: 'plan-viewer', clipboard: true });
  const paints = (): number => ed.logLines().filter((l) => /first paint \d+ ms for \d+ nodes/.test(l)).length;

  /**
   * Puts `text` on the browser's clipboard, which takes it only from a focused document: the side bar's title
   * is clicked first, since focus may sit in a webview's frame or nowhere after editors closed.
   */
  async function writeClipboard(text: string): Promise<void> {
    await ed.page.locator('.part.sidebar .composite.title').first().click();
    await ed.page.evaluate((t) => navigator.clipboard.writeText(t), text);
  }

  /** Puts `text` on the clipboard, runs the command, and returns the view once it painted a plan of `nodes` nodes. */
  async function openFromClipboard(text: string, nodes: number): Promise<Frame> {
    const before = paints();
    await writeClipboard(text);
    await ed.runCommand('Open Plan from Clipboard');
    await waitFor(() => paints() > before || undefined, 120_000, 'the plan view to paint the pasted plan');
    return ed.planFrame(async (f) => (await readFacts(f)).nodes === String(nodes), 30_000);
  }

  /** Accepts the editor's Save dialog (code-server's own: a quick input holding a path) with `target`. */
  async function saveAs(target: string): Promise<void> {
    const input = ed.page.locator('.quick-input-widget .quick-input-box input');
    await input.waitFor({ timeout: 15_000 });
    // The dialog fills in its default path a moment after it opens, over anything typed before: type the
    // path until it stays.
    await waitFor(
      async () => {
        if ((await input.inputValue()) !== target) await input.fill(target);
        await new Promise((r) => setTimeout(r, 300));
        return (await input.inputValue()) === target || undefined;
      },
      15_000,
      'the Save dialog to take the path',
    );
    await input.press('Enter');
  }

  before(async () => {
    await ed.page.locator('.explorer-folders-view .monaco-list-row').first().waitFor({ timeout: 60_000 });
  });

  for (const c of pasted) {
    it(`Open Plan from Clipboard: ${c.shape}`, async () => {
      const text = readFileSync(join(fixtures, c.sample), 'utf8');
      assert.match(text, c.looksLike, `${c.sample} is still ${c.shape}`);
      const expected = twinPlan(c.twin);
      const frame = await openFromClipboard(text, expected.nodes.length);
      const facts = await readFacts(frame);
      assert.equal(facts.title, 'plan from clipboard');
      assert.equal(facts.nodes, String(expected.nodes.length));
      assert.equal(facts.rootLabel, nodeLabel(expected.root.fields));
      const drawn = await frame.$$eval('g.node text.label', (ts) => ts.map((t) => t.textContent ?? ''));
      assertSameLabels(
        drawn,
        expected.nodes.map((n) => nodeLabel(n.fields)),
      );
      assert.match(await frame.locator('.summary').innerText(), /Pasted plan/);
    });
  }

  /** How many plan view tabs the workbench shows. */
  function planTabs(): Promise<number> {
    return ed.page
      .locator('.tabs-container .tab')
      .filter({ hasText: /Query Plan|plan from clipboard/ })
      .count();
  }

  it('a clipboard that holds no plan: one clear message; the view opened for it closes, an open view keeps its plan', async () => {
    await ed.runCommand('View: Close All Editors');
    await waitFor(async () => ((await planTabs()) === 0 ? true : undefined), 15_000, 'no plan view open');
    await writeClipboard('hello, this is not a plan');
    await ed.runCommand('Open Plan from Clipboard');
    await notificationText(ed.page, /expected a plan node like 'Seq Scan on t/, 30_000);
    await waitFor(
      async () => ((await planTabs()) === 0 ? true : undefined),
      15_000,
      'the plan view opened for the paste to close again',
    );
    await ed.page.keyboard.press('Escape');

    // With a plan on show, a bad paste leaves it there; the notification says why, not that plan's view.
    const expected = twinPlan(pasted[1].twin);
    await openFromClipboard(readFileSync(join(fixtures, pasted[1].sample), 'utf8'), expected.nodes.length);
    await writeClipboard('{"Plan": {"Total Cost": 1}}');
    await ed.runCommand('Open Plan from Clipboard');
    await notificationText(ed.page, /Node Type/, 30_000);
    const frame = await ed.planFrame(async (f) => (await readFacts(f)).nodes === String(expected.nodes.length), 15_000);
    assert.equal((await readFacts(frame)).rootLabel, nodeLabel(expected.root.fields));
    assert.equal(await planTabs(), 1);
  });

  it('Open Plan from File: the view opens while the file is picked, and closes again when the pick is cancelled', async () => {
    await ed.runCommand('View: Close All Editors');
    await waitFor(async () => ((await planTabs()) === 0 ? true : undefined), 15_000, 'no plan view open');
    await ed.runCommand('Open Plan from File');
    const input = ed.page.locator('.quick-input-widget .quick-input-box input');
    await input.waitFor({ timeout: 15_000 });
    await waitFor(
      async () => ((await planTabs()) === 1 ? true : undefined),
      15_000,
      'the plan view to open with the dialog',
    );
    await input.press('Escape');
    await waitFor(
      async () => ((await planTabs()) === 0 ? true : undefined),
      15_000,
      'the plan view to close with the cancelled dialog',
    );
  });

  it('Export SVG and Export PNG from the toolbar save the view through the Save dialog', async () => {
    const expected = twinPlan('pasted/pg15-agg.json');
    const frame = await openFromClipboard(
      readFileSync(join(fixtures, 'pasted/pg15-agg.json'), 'utf8'),
      expected.nodes.length,
    );
    const labels = expected.nodes.map((n) => nodeLabel(n.fields));

    const svgPath = join(ed.workspace, 'plan.svg');
    await frame.locator('#export-svg-button').click();
    await saveAs(svgPath);
    const svg = await waitFor(
      () => {
        const text = existsSync(svgPath) ? readFileSync(svgPath, 'utf8') : '';
        return text.trimEnd().endsWith('</svg>') ? text : undefined;
      },
      30_000,
      'the saved SVG',
    );
    // A standalone SVG document: the browser's XML parser reads it without error, and it draws the nodes.
    const doc = await ed.page.evaluate((text) => {
      const parsed = new DOMParser().parseFromString(text, 'image/svg+xml');
      const root = parsed.documentElement;
      return {
        error: parsed.querySelector('parsererror')?.textContent ?? null,
        root: root.localName,
        ns: root.namespaceURI,
        width: Number(root.getAttribute('width')),
        height: Number(root.getAttribute('height')),
        texts: [...parsed.querySelectorAll('text')].map((t) => t.textContent ?? ''),
        styled: parsed.querySelectorAll('[class]').length,
      };
    }, svg);
    assert.equal(doc.error, null);
    assert.equal(doc.root, 'svg');
    assert.equal(doc.ns, 'http://www.w3.org/2000/svg');
    assert.ok(
      doc.width >= 200 && doc.width <= 4000 && doc.height >= 100 && doc.height <= 4000,
      `SVG ${doc.width}×${doc.height}`,
    );
    assertSameLabels(
      doc.texts.filter((t) => labels.some((l) => fits(t, l))),
      labels,
    );
    assert.equal(doc.styled, 0, 'styles are inlined: no class left for a stylesheet the file does not have');

    const pngPath = join(ed.workspace, 'plan.png');
    await frame.locator('#export-png-button').click();
    await saveAs(pngPath);
    const png = await waitFor(
      () => {
        const bytes = existsSync(pngPath) ? readFileSync(pngPath) : Buffer.alloc(0);
        // The file can appear before all of it is written: complete once it ends with the IEND chunk.
        return bytes.length > 12 && bytes.subarray(bytes.length - 8, bytes.length - 4).toString('latin1') === 'IEND'
          ? bytes
          : undefined;
      },
      30_000,
      'the saved PNG',
    );
    assert.deepEqual([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], 'the PNG signature');
    assert.equal(png.subarray(12, 16).toString('latin1'), 'IHDR');
    const width = png.readUInt32BE(16);
    const height = png.readUInt32BE(20);
    // Rendered at twice the view's size, like the SVG of the same view.
    assert.deepEqual([width, height], [doc.width * 2, doc.height * 2]);
    // Not blank: the pixel data (all IDAT chunks, inflated) holds one row per line and many different values.
    const idat: Buffer[] = [];
    for (let at = 8; at < png.length;) {
      const length = png.readUInt32BE(at);
      if (png.subarray(at + 4, at + 8).toString('latin1') === 'IDAT') idat.push(png.subarray(at + 8, at + 8 + length));
      at += 12 + length;
    }
    const [bitDepth, colourType] = [png[24], png[25]];
    const channels = { 0: 1, 2: 3, 4: 2, 6: 4 }[colourType];
    assert.ok(bitDepth === 8 && channels !== undefined, `bit depth ${bitDepth}, colour type ${colourType}`);
    const pixels = inflateSync(Buffer.concat(idat));
    assert.equal(pixels.length, height * (1 + width * channels), 'one filter byte and the pixels of each row');
    assert.ok(new Set(pixels).size > 32, `${new Set(pixels).size} distinct byte values: the image is not blank`);
    await ed.screenshot('plan-viewer-export');
  });

  it('an Append over 300 partitions: one sibling group that expands and collapses; search finds a member inside it', async () => {
    const result = await partitionedResult((await testServer()).url);
    const append = result.plan.nodes.find((n) => n.fields['Node Type'] === 'Append');
    assert.ok(append, 'the plan has an Append');
    assert.equal(append.children.length, PARTITIONS);
    const scanOf = (i: number) => {
      const scan = append.children.find((n) => n.fields['Relation Name'] === partitionName(i));
      assert.ok(scan, `a scan of ${partitionName(i)}`);
      return scan;
    };
    const frame = await openFromClipboard(result.rawPlan, result.plan.nodes.length);
    const group = frame.locator('g.node.group');
    await group.first().waitFor({ timeout: 30_000 });
    assert.equal(await group.count(), 1);
    assert.match((await group.textContent()) ?? '', new RegExp(`^${PARTITIONS} × Seq Scan on events_p…`));
    assert.equal(await group.getAttribute('aria-expanded'), 'false');
    const p042 = scanOf(42);
    assert.equal(await frame.locator(`#plan-node-${p042.id}`).count(), 0, 'events_p042 starts hidden in the group');
    const closedCount = await frame.locator('g.node').count();
    await ed.screenshot('plan-viewer-group');

    await group.locator('g.toggle circle').click();
    await waitFor(
      async () => (await group.getAttribute('aria-expanded')) === 'true' || undefined,
      10_000,
      'the group to expand',
    );
    assert.match((await group.textContent()) ?? '', /\(all shown\)/);
    const openCount = await frame.locator('g.node').count();
    assert.ok(openCount > closedCount && openCount <= 600, `drawn ${closedCount} closed, ${openCount} open`);
    await group.locator('g.toggle circle').click();
    await waitFor(
      async () => (await group.getAttribute('aria-expanded')) === 'false' || undefined,
      10_000,
      'the group to collapse',
    );
    assert.equal(await frame.locator(`#plan-node-${p042.id}`).count(), 0, 'events_p042 hidden again');

    await frame.locator('#node-search input').fill('events_p042');
    await waitFor(
      async () =>
        (await frame
          .locator('g.node.selected')
          .getAttribute('data-node-id')
          .catch(() => null)) === String(p042.id) || undefined,
      10_000,
      'events_p042 selected by the search',
    );
    assert.equal(await frame.locator('#search-count').textContent(), '1 of 1');
    assert.match(
      (await frame.locator(`#plan-node-${p042.id} text.label`).textContent()) ?? '',
      /^Seq Scan on events_p042/,
    );
    assert.match((await frame.locator(`#plan-node-${p042.id}`).getAttribute('class')) ?? '', /\bmatch-current\b/);
    assert.ok(await frame.locator(`#plan-node-${p042.id}`).isVisible(), 'the member is in view');
    await ed.screenshot('plan-viewer-group-search');
  });

  it("selecting a node reveals its SQL without taking the keyboard: arrows, F and Enter stay the view's keys", async () => {
    const { page } = ed;
    await ed.runCommand('View: Close All Editors');
    await ed.openFile('queries.sql', 'LIMIT 100');
    const before = await ed.editorText();
    // Explained on the embedded database (the workspace schema): the plan has a source, so a node has SQL to show.
    await ed.contextMenuCommand('GROUP BY u.id', 'Explain and Optimize');
    const frame = await ed.planFrame(async (f) => (await f.locator('g.node').count()) >= 3, 120_000);
    // A node the pointer can reach (the side panel lies over part of the canvas), a scan if one is in view.
    const visibleId = await frame.evaluate(() => {
      const reachable = [...document.querySelectorAll<SVGGElement>('g.node')].filter((g) => {
        const box = g.querySelector('rect.box')?.getBoundingClientRect();
        if (!box) return false;
        const hit = document.elementFromPoint(box.left + box.width / 2, box.top + box.height / 2);
        return hit !== null && g.contains(hit);
      });
      const pick = reachable.find((g) => /Scan/.test(g.textContent ?? '')) ?? reachable[0];
      return pick?.dataset.nodeId;
    });
    assert.ok(visibleId !== undefined, 'a plan node in reach of the pointer');
    await frame.locator(`#plan-node-${visibleId}`).click();
    // Until a node with SQL is selected, the view's own arrow key walks down the tree; each selection reveals its
    // SQL in the editor beside, which draws it selected (the view, not the editor, keeps the focus).
    const revealed = page.locator('.monaco-editor .view-overlays .selected-text');
    for (
      let i = 0;
      i < 8 &&
      !(await revealed
        .first()
        .isVisible()
        .catch(() => false));
      i++
    ) {
      await new Promise((r) => setTimeout(r, 1_000));
      if (
        await revealed
          .first()
          .isVisible()
          .catch(() => false)
      )
        break;
      await page.keyboard.press('ArrowDown');
    }
    await revealed.first().waitFor({ timeout: 15_000 });
    const selected = frame.locator('g.node.selected').first();
    const shownId = Number(await selected.getAttribute('data-node-id'));

    // The plan keys go to the view: an arrow selects the node's parent (the root's child), F fits, Enter collapses.
    await page.keyboard.press((await selected.getAttribute('aria-level')) === '1' ? 'ArrowDown' : 'ArrowUp');
    const nextId = await waitFor(
      async () => {
        const id = await frame
          .locator('g.node.selected')
          .first()
          .getAttribute('data-node-id')
          .catch(() => null);
        return id !== null && Number(id) !== shownId ? Number(id) : undefined;
      },
      10_000,
      'the arrow key to select another node in the view',
    );
    await page.keyboard.press('f');
    await page.keyboard.press('F');
    const next = frame.locator(`#plan-node-${nextId}`);
    if ((await next.getAttribute('aria-expanded')) === 'true') {
      await page.keyboard.press('Enter');
      await waitFor(
        async () => ((await next.getAttribute('aria-expanded')) === 'false' ? true : undefined),
        10_000,
        'Enter to collapse the selected node',
      );
    } else await page.keyboard.press('Enter');
    await ed.screenshot('plan-viewer-keys-after-reveal');
    // Nothing was typed into queries.sql ("F", Enter typed "fast" into it when the reveal took the focus).
    assert.equal(await page.locator('.tabs-container .tab.dirty').count(), 0, 'queries.sql is not modified');
    assert.equal(await ed.editorText(), before);
  });
});
