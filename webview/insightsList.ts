import type { Insight, Plan } from '../src/shared/protocol';
import { h, severityIcon } from './dom';
import { formatCount } from './format';
import { nodeLabel } from './nodeLabel';

/** The insights, most severe first as the core sorted them; each item is a button that selects its node. */
export function renderInsights(insights: Insight[], plan: Plan, activate: (insight: Insight) => void): HTMLElement {
  if (!insights.length)
    return h('p', { className: 'muted empty-insights', text: 'No findings: nothing in this plan stands out.' });
  const list = h('ul', { className: 'insights', attrs: { 'aria-label': 'Insights' } });
  insights.forEach((insight, index) => {
    const node = insight.nodeIds.length ? plan.nodes[insight.nodeIds[0]] : undefined;
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
    const button = h(
      'button',
      {
        className: `insight sev-${insight.severity}`,
        attrs: {
          type: 'button',
          'data-index': index,
          'data-rule': insight.ruleId,
          'aria-label': `${insight.severity}: ${insight.title}`,
          title: insight.explanation,
        },
      },
      severityIcon(insight.severity),
      h(
        'div',
        { className: 'insight-body' },
        h('div', { className: 'insight-title', text: insight.title }),
        node ? h('div', { className: 'insight-node muted', text: nodeLabel(node.fields) }) : undefined,
        insight.evidence.length ? evidence : undefined,
        insight.suggestion ? h('div', { className: 'insight-suggestion', text: insight.suggestion }) : undefined,
      ),
    );
    button.addEventListener('click', () => activate(insight));
    list.append(h('li', {}, button));
  });
  return list;
}
