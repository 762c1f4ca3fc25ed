import type { Plan } from '../src/shared/protocol';
import { h } from './dom';
import { formatBlocks, formatCost, formatCount, formatMs, formatPercent } from './format';
import { nodeLabel } from './nodeLabel';
import { groupShownText, groupTitle, type SiblingGroup } from './siblingGroups';

export interface GroupActions {
  toggle(): void;
  select(nodeId: number): void;
}

/** The details of a selected group box: what it sums up, its slowest members, and the show-all switch. */
export function renderGroupDetails(
  plan: Plan,
  group: SiblingGroup,
  expanded: boolean,
  actions: GroupActions,
): HTMLElement {
  const t = group.totals;
  const root = h('div', { className: 'details group-details', attrs: { 'aria-live': 'polite' } });
  root.append(
    h(
      'div',
      { className: 'details-heading' },
      h('div', {
        className: 'muted small',
        text: `Similar siblings under ${nodeLabel(plan.nodes[group.parentId].fields)}`,
      }),
      h('h2', { className: 'details-title', text: groupTitle(group) }),
    ),
  );
  const button = document.createElement('vscode-button');
  button.id = 'group-toggle-button';
  button.setAttribute('secondary', '');
  button.textContent = expanded
    ? `Show the ${group.slowestCount} slowest only`
    : `Show all ${group.members.length.toLocaleString('en-US')}`;
  button.addEventListener('click', () => actions.toggle());
  root.append(h('p', { className: 'muted small', text: `(${groupShownText(group, expanded)})` }), button);

  const rows: Array<[string, string]> = [];
  if (plan.analyzed)
    rows.push(['Time (Σ inclusive)', formatMs(t.timeMs)], ['Share of execution', formatPercent(t.share)]);
  else rows.push(['Share of cost', formatPercent(t.share)]);
  rows.push(
    [plan.analyzed ? 'Rows (Σ all loops)' : 'Estimated rows (Σ)', formatCount(t.rows)],
    ['Cost (Σ total)', formatCost(t.cost)],
  );
  if (t.hitBlocks || t.readBlocks)
    rows.push(['Buffers hit (Σ)', formatBlocks(t.hitBlocks)], ['Buffers read (Σ)', formatBlocks(t.readBlocks)]);
  const table = h('table', { className: 'kv' });
  for (const [k, v] of rows)
    table.append(h('tr', {}, h('th', { text: k, attrs: { scope: 'row' } }), h('td', { text: v })));
  root.append(h('section', { className: 'details-section' }, h('h3', { text: 'Totals' }), table));

  const list = h('ul', { className: 'group-members' });
  for (const m of group.shown) {
    const b = h('button', {
      className: 'member-link',
      text: nodeLabel(m.fields),
      attrs: { type: 'button', 'data-node-id': m.id },
    });
    b.addEventListener('click', () => actions.select(m.id));
    const figure = plan.analyzed ? formatMs(m.metrics.inclusiveTimeMs) : `cost ${formatCost(m.fields['Total Cost'])}`;
    list.append(h('li', {}, b, h('span', { className: 'muted', text: ` ${figure}` })));
  }
  root.append(h('section', { className: 'details-section' }, h('h3', { text: 'Drawn members' }), list));
  return root;
}
