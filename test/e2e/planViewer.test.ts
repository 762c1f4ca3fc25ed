/**
 * The plan viewer in a real VS Code (code-server + Chromium), with no database connection: "Open Plan from
 * Clipboard" with plans in the shapes users paste them (psql with `+` continuation marks, pgAdmin's quoted
 * grid, DBeaver's tab-separated copy, an auto_explain log entry); Export SVG and Export PNG from the view's
 * toolbar through the editor's own Save dialog, the files read back; a plan with an Append over 300 partitions
 * drawn as one sibling group that expands, collapses and whose members the view's search finds; a node of a plan
 * explained from queries.sql (embedded database) selected: its SQL is revealed and the view keeps its keys. The
 * room and views of issue 13: a 6-node plan beside the editor opened fitted and readable, the legend off the
 * tree, Insights closed giving its room, the node grid and totals linked to the tree; a 10,000-node plan's
 * identical findings grouped; a plan 669 levels deep with its depth said and its hot path followed with H.
 *
 * Pasted samples and their FORMAT JSON twins come from test/fixtures/plans (made by a real PostgreSQL 15, see
 * the READMEs there); the 300-partition plan is made by the test server (test/unit/webview/partitionedResult).
 * The expected trees are the twins parsed with the product's parsePlan: the view must show the same tree.
 */
import { strict as assert } from 'node:assert';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { inflateSync } from 'node:zlib';
import type { Frame } from 'playwright-core';
import { parsePlan } from '../../src/core/plan/parsePlan';
import type { Plan } from '../../src/core/plan/planNode';
import { nodeLabel } from '../../webview/nodeLabel';
import { deepPlanJson } from '../helpers/extremePlans';
import { testServer } from '../helpers/globalServer';
import { syntheticPlanJson } from '../helpers/syntheticPlan';
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

/** The readable scale the plan view never fits below (webview/planCanvas.ts READABLE_SCALE). */
const READABLE_SCALE = 0.6;

interface Box {
  left: number;
  top: number;
  right: number;
  bottom: number;
}

/** The canvas, legend, zoom and drawn node boxes of the plan view, in the frame's coordinates. */
interface ViewGeometry {
  window: number;
  canvas: Box;
  legend: Box;
  scale: number;
  lod: boolean;
  nodes: Array<Box & { id: number }>;
}

async function viewGeometry(frame: Frame): Promise<ViewGeometry> {
  await frame.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
  // No named functions inside: the page has no `__name` (tsx keeps function names with a helper).
  return frame.evaluate(() => {
    const [canvas, legend] = [document.querySelector('.plan-canvas')!, document.querySelector('.legend')!].map((e) => {
      const r = e.getBoundingClientRect();
      return { left: r.left, top: r.top, right: r.right, bottom: r.bottom };
    });
    const transform = document.querySelector('g.viewport')?.getAttribute('transform') ?? '';
    return {
      window: window.innerHeight,
      canvas,
      legend,
      scale: Number(/scale\(([\d.]+)\)/.exec(transform)?.[1] ?? 1),
      lod: document.querySelector('.plan-canvas')!.classList.contains('lod-low'),
      nodes: [...document.querySelectorAll('g.node')].map((g) => {
        const r = g.querySelector('rect.box')!.getBoundingClientRect();
        return {
          id: Number(g.getAttribute('data-node-id')),
          left: r.left,
          top: r.top,
          right: r.right,
          bottom: r.bottom,
        };
      }),
    };
  });
}

function overlaps(a: Box, b: Box): boolean {
  return a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;
}

function selectedIn(frame: Frame): Promise<number | undefined> {
  return frame
    .locator('g.node.selected')
    .first()
    .getAttribute('data-node-id', { timeout: 2_000 })
    .then((id) => (id === null ? undefined : Number(id)))
    .catch(() => undefined);
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

  /** Runs Open Plan from File on `path` (typed into the editor's file dialog) and returns the painted view. */
  async function openFromFile(path: string, nodes: number): Promise<Frame> {
    const before = paints();
    // As the test of the file dialog above: from a workbench with no editor (and no webview holding the focus).
    await ed.runCommand('View: Close All Editors');
    await waitFor(async () => ((await planTabs()) === 0 ? true : undefined), 15_000, 'no plan view open');
    await ed.runCommand('Open Plan from File');
    const input = ed.page.locator('.quick-input-widget .quick-input-box input');
    await input.waitFor({ timeout: 15_000 });
    await waitFor(
      async () => {
        if ((await input.inputValue()) !== path) await input.fill(path);
        await new Promise((r) => setTimeout(r, 300));
        return (await input.inputValue()) === path || undefined;
      },
      15_000,
      'the file dialog to take the path',
    );
    await input.press('Enter');
    await waitFor(() => paints() > before || undefined, 180_000, 'the plan view to paint the plan from the file');
    return ed.planFrame(async (f) => (await readFacts(f)).nodes === String(nodes), 60_000);
  }

  it('beside the editor: the tree has the room, a 6-node plan opens fitted and readable, the legend covers no node; grid and totals follow the selection', async () => {
    await ed.runCommand('View: Close All Editors');
    // The toasts of earlier tests would lie over the view's panes.
    await ed.runCommand('Notifications: Clear All Notifications');
    await ed.openFile('queries.sql', 'LIMIT 100');
    const expected = twinPlan('pasted/pg15-cte-subplan.json');
    assert.equal(expected.nodes.length, 6);
    // The view opens beside queries.sql: VS Code's default split.
    const frame = await openFromClipboard(
      readFileSync(join(fixtures, 'pasted/pg15-cte-subplan.json'), 'utf8'),
      expected.nodes.length,
    );
    await frame.locator('g.node').first().waitFor();
    const g = await viewGeometry(frame);
    const height = g.canvas.bottom - g.canvas.top;
    assert.ok(height >= 0.5 * g.window, `the tree has ${height} of ${g.window} px`);
    assert.equal(g.nodes.length, 6);
    assert.ok(g.scale >= READABLE_SCALE && !g.lod, `opened at scale ${g.scale}: the labels are drawn`);
    for (const n of g.nodes)
      assert.ok(
        n.left >= g.canvas.left && n.right <= g.canvas.right && n.top >= g.canvas.top && n.bottom <= g.canvas.bottom,
        `node ${n.id} whole in the canvas`,
      );
    assert.ok(!overlaps(g.legend, g.canvas), 'the legend lies outside the canvas');
    await ed.screenshot('plan-viewer-split');

    // Closing Insights gives its room to the tree.
    await frame.locator('.insights-section .collapsible-header').click();
    const closed = await viewGeometry(frame);
    assert.ok(closed.canvas.bottom - closed.canvas.top > height + 40, 'the tree grew');
    await frame.locator('.insights-section .collapsible-header').click();

    // The node grid: a row pressed selects the node in the tree; a node pressed in the tree marks its row.
    await frame.locator('#drawer-tab-nodes').click();
    const rows = frame.locator('.grid-scroll tbody tr[data-node-id]');
    assert.equal(await rows.count(), 6);
    const last = Number(await rows.last().getAttribute('data-node-id'));
    await rows.last().click();
    await waitFor(async () => (await selectedIn(frame)) === last || undefined, 10_000, 'the grid row to select');
    await frame.locator('.sort-button[data-column="node"]').click();
    assert.equal(await frame.locator('th.col-node').getAttribute('aria-sort'), 'ascending');
    // A node in sight, other than the selected one, clicked in the tree.
    const inSight = await viewGeometry(frame);
    const picked = inSight.nodes.find(
      (n) =>
        n.id !== last &&
        n.left >= inSight.canvas.left &&
        n.right <= inSight.canvas.right &&
        n.top >= inSight.canvas.top &&
        n.bottom <= inSight.canvas.bottom,
    );
    assert.ok(picked, 'another node in sight');
    await frame.locator(`#plan-node-${picked.id} text.label`).click();
    await waitFor(
      async () =>
        (await frame.locator('.grid-scroll tr.selected').getAttribute('data-node-id')) === String(picked.id) ||
        undefined,
      10_000,
      "the tree's selection marked in the grid",
    );
    // Keys in the grid move the tree's selection.
    await frame.locator('.grid-scroll').focus();
    const order = await rows.evaluateAll((trs) => trs.map((tr) => Number(tr.getAttribute('data-node-id'))));
    const at = order.indexOf(picked.id);
    const down = at < order.length - 1;
    await ed.page.keyboard.press(down ? 'ArrowDown' : 'ArrowUp');
    const next = order[down ? at + 1 : at - 1];
    await waitFor(async () => (await selectedIn(frame)) === next || undefined, 10_000, 'an arrow key in the grid');
    // Per node type: the counts add up to the plan's nodes.
    await frame.locator('#drawer-tab-types').click();
    const counts = await frame.$$eval('.totals tbody tr', (trs) => trs.map((tr) => Number(tr.children[3].textContent)));
    assert.equal(
      counts.reduce((a, b) => a + b, 0),
      6,
    );
    await ed.screenshot('plan-viewer-grid');
    await frame.locator('#drawer-tab-types').click();
  });

  it('a 10,000-node plan: its identical findings are one entry with their count, ranked by share; the view takes keys', async () => {
    const path = join(ed.workspace, 'plan-10000.json');
    writeFileSync(path, syntheticPlanJson(10_000));
    const frame = await openFromFile(path, 10_000);
    // Every finding has arrived once the list no longer says more are loading.
    await waitFor(
      async () => ((await frame.locator('.more-insights').count()) === 0 ? true : undefined),
      60_000,
      'all the insights',
    );
    const entries = frame.locator('button.insight');
    const shown = await entries.count();
    assert.ok(shown >= 1 && shown <= 8, `${shown} entries`);
    const first = entries.first();
    assert.equal(await first.getAttribute('data-rule'), 'filter-discards-most-rows');
    assert.ok(Number(await first.getAttribute('data-count')) > 1000, 'the repeated finding is one entry');
    assert.match((await first.textContent()) ?? '', /×[\d,]+/);
    assert.match((await first.textContent()) ?? '', /\d+(\.\d)?% of the time/);
    await first.click();
    const top = await waitFor(() => selectedIn(frame), 10_000, 'the entry to select its node');
    // The view answers keys: Up selects the parent.
    await frame.locator('.plan-canvas').focus();
    await ed.page.keyboard.press('ArrowUp');
    await waitFor(
      async () => {
        const id = await selectedIn(frame);
        return id !== undefined && id !== top ? true : undefined;
      },
      10_000,
      'ArrowUp to select the parent',
    );
    // The grid of 10,000 nodes keeps only the rows in view; End selects the last in the tree.
    await frame.locator('#drawer-tab-nodes').click();
    const rows = await frame.locator('.grid-scroll tbody tr[data-node-id]').count();
    assert.ok(rows > 5 && rows < 200, `${rows} rows in the DOM`);
    await frame.locator('.grid-scroll').focus();
    await ed.page.keyboard.press('End');
    await waitFor(
      async () => (await frame.locator('.grid-scroll tr.selected').count()) === 1 || undefined,
      10_000,
      'the last row selected',
    );
    const lastRow = Number(await frame.locator('.grid-scroll tr.selected').getAttribute('data-node-id'));
    await waitFor(async () => (await selectedIn(frame)) === lastRow || undefined, 10_000, 'the tree to follow');
    await ed.screenshot('plan-viewer-10000');
    await frame.locator('#drawer-tab-nodes').click();
  });

  it('a plan 669 levels deep: the header says so, H follows the hot path down, no box is cut at the left edge', async () => {
    const path = join(ed.workspace, 'plan-deep.json');
    const json = deepPlanJson(668);
    writeFileSync(path, json);
    const plan = parsePlan(json);
    const frame = await openFromFile(path, plan.nodes.length);
    const depth = await frame.$$eval(
      '.summary .stat',
      (stats) => stats.find((s) => s.querySelector('dt')?.textContent === 'Depth')?.querySelector('dd')?.textContent,
    );
    assert.equal(depth, '669');
    // The view opens on the plan's hot spot, deep down; Home selects the root (only what is in view is drawn).
    await frame.locator('.plan-canvas').focus();
    await ed.page.keyboard.press('Home');
    await waitFor(async () => (await selectedIn(frame)) === 0 || undefined, 10_000, 'Home to select the root');
    const hot = (id: number) =>
      plan.nodes[id].children.reduce((a, b) => (b.metrics.inclusiveTimeMs > a.metrics.inclusiveTimeMs ? b : a)).id;
    let id = 0;
    for (let step = 0; step < 150; step++) {
      await ed.page.keyboard.press('h');
      id = hot(id);
    }
    await waitFor(async () => (await selectedIn(frame)) === id || undefined, 30_000, 'H to reach level 151');
    await frame.locator('#hot-path-button').click();
    id = hot(id);
    await waitFor(async () => (await selectedIn(frame)) === id || undefined, 10_000, 'the Hot path button');
    const g = await viewGeometry(frame);
    const reached = g.nodes.find((n) => n.id === id);
    assert.ok(reached && overlaps(reached, g.canvas), 'the node reached is in view');
    for (const n of g.nodes.filter((b) => overlaps(b, g.canvas)))
      assert.ok(n.left >= g.canvas.left, `node ${n.id} is whole at the left edge`);
    await ed.screenshot('plan-viewer-deep');
  });

  it("selecting a node reveals its SQL without taking the keyboard: arrows, F and Enter stay the view's keys", async () => {
    const { page } = ed;
    await ed.runCommand('View: Close All Editors');
    await ed.openFile('queries.sql', 'LIMIT 100');
    const before = await ed.editorText();
    // Explained on the embedded database (the workspace schema): the plan has a source, so a node has SQL to show.
    await ed.contextMenuCommand('GROUP BY u.id', 'Explain and Optimize');
    const frame = await ed.planFrame(async (f) => (await f.locator('g.node').count()) >= 3, 120_000);
    await frame.evaluate(() => document.fonts.ready);
    // The README's picture of the extension (docs/images/explain-and-optimize.png is this screenshot), once the
    // advice's progress toast is gone from over the view.
    await waitFor(
      async () => ((await ed.page.locator('.notification-toast').count()) === 0 ? true : undefined),
      90_000,
      'the notifications to go',
    ).catch(() => undefined);
    await ed.screenshot('plan-viewer-explain');
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
