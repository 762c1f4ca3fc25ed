import type { Insight, Plan } from '../src/shared/protocol';
import { h, severityIcon } from './dom';
import { formatCount, formatPercent } from './format';
import type { InsightGroup } from './insightGroups';
import { nodeLabel } from './nodeLabel';

/** Entries listed at first; the rest wait behind a "more" button (a 10,000-node plan has hundreds). */
export const FIRST_INSIGHT_GROUPS = 8;
/** Entries each press of the "more" button adds. */
const MORE_STEP = 40;
/** Node links listed under a grouped entry before "n more". */
const NODE_LINKS = 20;

export interface InsightListHandlers {
  /** The entry was pressed: select its first (most expensive) node and reveal its SQL. */
  activate(group: InsightGroup): void;
  /** One of a grouped entry's nodes was pressed. */
  selectNode(nodeId: number): void;
}

/**
 * The insights grouped (identical findings on many nodes are one entry with the count and the nodes) and ranked
 * by their share of the plan; the first `FIRST_INSIGHT_GROUPS` are drawn, the rest on demand.
 */
export function renderInsights(groups: InsightGroup[], plan: Plan, handlers: InsightListHandlers): HTMLElement {
  if (!groups.length)
    return h('p', { className: 'muted empty-insights', text: 'No findings: nothing in this plan stands out.' });
  const root = h('div', { className: 'insights-root' });
  const list = h('ul', { className: 'insights', attrs: { 'aria-label': 'Insights' } });
  root.append(list);
  let shown = 0;
  const more = h('button', { className: 'more-insights-button', attrs: { type: 'button' } });
  const showMore = (count: number): void => {
    const end = Math.min(groups.length, shown + count);
    for (; shown < end; shown++) list.append(renderEntry(groups[shown], shown, plan, handlers));
    const left = groups.length - shown;
    more.textContent = `${formatCount(left)} more`;
    more.title = `Show ${formatCount(Math.min(left, MORE_STEP))} more of the findings, ranked by share of the plan`;
    more.hidden = left === 0;
  };
  more.addEventListener('click', () => {
    const first = shown;
    showMore(MORE_STEP);
    list.querySelectorAll<HTMLButtonElement>('button.insight')[first]?.focus();
  });
  showMore(FIRST_INSIGHT_GROUPS);
  root.append(more);
  return root;
}

function renderEntry(group: InsightGroup, index: number, plan: Plan, handlers: InsightListHandlers): HTMLElement {
  const insight = group.insights[0];
  const count = group.insights.length;
  const node = group.nodeIds.length ? plan.nodes[group.nodeIds[0]] : undefined;
  const measure = plan.analyzed ? 'of the time' : 'of the cost';
  const facts: string[] = [];
  if (count > 1) facts.push(`${formatCount(count)} alike`, `${formatCount(group.nodeIds.length)} nodes`);
  if (group.nodeIds.length) facts.push(`${formatPercent(group.share)} ${measure}`);
  const button = h(
    'button',
    {
      className: `insight sev-${insight.severity}`,
      attrs: {
        type: 'button',
        'data-index': index,
        'data-rule': insight.ruleId,
        'data-count': count,
        'aria-label': `${insight.severity}: ${insight.title}${count > 1 ? `, and ${count - 1} more like it` : ''}`,
        title: insight.explanation,
      },
    },
    severityIcon(insight.severity),
    h(
      'div',
      { className: 'insight-body' },
      h(
        'div',
        { className: 'insight-title-row' },
        h('span', { className: 'insight-title', text: insight.title }),
        count > 1 ? h('span', { className: 'insight-count', text: `×${formatCount(count)}` }) : undefined,
      ),
      node ? h('div', { className: 'insight-node muted', text: nodeLabel(node.fields) }) : undefined,
      facts.length ? h('div', { className: 'insight-share muted', text: facts.join(' · ') }) : undefined,
      insight.evidence.length ? renderEvidence(insight) : undefined,
      insight.suggestion ? h('div', { className: 'insight-suggestion', text: insight.suggestion }) : undefined,
    ),
  );
  button.addEventListener('click', () => handlers.activate(group));
  const item = h('li', {}, button);
  if (group.nodeIds.length > 1) item.append(renderNodeLinks(group, plan, handlers));
  return item;
}

function renderEvidence(insight: Insight): HTMLElement {
  const evidence = h('div', { className: 'evidence' });
  for (const e of insight.evidence) {
    const value = typeof e.value === 'number' ? formatCount(e.value) : e.value;
    evidence.append(
      h(
        'span',
        { className: 'evidence-item' },
        h('span', { className: 'muted', text: `${e.label}: ` }),
        `${value}${e.unit ? ` ${e.unit}` : ''}`,
      ),
    );
  }
  return evidence;
}

/** The nodes of a grouped entry, most share first; drawn when opened. */
function renderNodeLinks(group: InsightGroup, plan: Plan, handlers: InsightListHandlers): HTMLElement {
  const details = h(
    'details',
    { className: 'insight-nodes' },
    h('summary', { text: `The ${formatCount(group.nodeIds.length)} nodes` }),
  );
  details.addEventListener(
    'toggle',
    () => {
      const list = h('ul', { className: 'group-members' });
      for (const id of group.nodeIds.slice(0, NODE_LINKS)) {
        const link = h('button', {
          className: 'member-link',
          text: nodeLabel(plan.nodes[id].fields),
          attrs: { type: 'button', 'data-node-id': id },
        });
        link.addEventListener('click', () => handlers.selectNode(id));
        list.append(h('li', {}, link));
      }
      const rest = group.nodeIds.length - NODE_LINKS;
      if (rest > 0) list.append(h('li', { className: 'muted', text: `and ${formatCount(rest)} more` }));
      details.append(list);
    },
    { once: true },
  );
  return details;
}
