import type { SafetyWrapper, TuningResult } from '../src/shared/protocol';
import { h } from './dom';
import { formatBlocks, formatMs } from './format';

export const EMBEDDED_NOTE = 'Timings on the embedded database are not production timings';

const wrapperText: Record<SafetyWrapper, string> = {
  'read-only-transaction': 'read-only transaction',
  'rolled-back-transaction': 'rolled back',
  'plan-only': 'plan only, not executed',
};

/** Execution/planning time, buffers, JIT and where it ran, plus the embedded-timings note. */
export function renderSummary(result: TuningResult, title: string, embeddedNote: boolean): HTMLElement {
  const plan = result.plan;
  const stats = h('dl', { className: 'stats' });
  const stat = (label: string, value: string, extraClass = ''): void => {
    stats.append(
      h('div', { className: `stat ${extraClass}`.trim() }, h('dt', { text: label }), h('dd', { text: value })),
    );
  };
  if (plan.analyzed) stat('Execution', formatMs(plan.executionTimeMs ?? plan.totals.timeMs), 'primary');
  else stat('Total cost', plan.totals.cost.toLocaleString('en-US', { maximumFractionDigits: 2 }), 'primary');
  if (plan.planningTimeMs !== undefined) stat('Planning', formatMs(plan.planningTimeMs));
  // "read" is relation blocks that missed the cache (shared, and local for temporary tables); temp blocks are a
  // spill to disk (a sort or hash past work_mem), a different fix: counted apart (issue 13).
  const b = plan.totals.buffers;
  const hit = b.sharedHit + b.localHit;
  const read = b.sharedRead + b.localRead;
  if (hit || read) stat('Buffers', `${formatBlocks(hit)} hit · ${formatBlocks(read)} read`);
  if (b.tempRead || b.tempWritten)
    stat('Temp', `${formatBlocks(b.tempWritten)} written · ${formatBlocks(b.tempRead)} read`);
  if (plan.jit) stat('JIT', `${formatMs(plan.jit.totalMs)} · ${plan.jit.functions} fn`);
  if (plan.triggers.length) stat('Triggers', formatMs(plan.triggers.reduce((t, x) => t + x.timeMs, 0)));
  stat('Nodes', String(plan.nodes.length));
  // How many levels the tree has: a plan hundreds of levels deep says so before the user scrolls down it.
  stat('Depth', String(plan.nodes.reduce((max, n) => Math.max(max, n.depth + 1), 0)), 'depth');

  const where = h('div', { className: 'where muted' });
  if (result.run) {
    const r = result.run;
    where.append(
      `Ran on ${r.sessionLabel} · ${r.serverVersion} · ${wrapperText[r.wrapper]} · round trip ${formatMs(r.roundTripMs)}`,
    );
  } else {
    where.append(result.planFile ? `Plan read from ${result.planFile}` : 'Pasted plan');
  }

  // Cut to one line in a narrow view; the whole of it on hover.
  where.title = where.textContent ?? '';
  const header = h('div', { className: 'summary' }, h('h1', { className: 'title', text: title }), stats, where);
  if (embeddedNote) {
    header.append(
      h(
        'div',
        { className: 'note embedded-note', attrs: { role: 'note' } },
        h('strong', { text: 'Note: ' }),
        `${EMBEDDED_NOTE}. Use a server connection to measure real timings.`,
      ),
    );
  }
  // What the embedded database holds (generated rows, empty tables): the plan is not one of the user's data.
  if (result.run?.dataNote) {
    header.append(
      h(
        'div',
        { className: 'note data-note', attrs: { role: 'note' } },
        h('strong', { text: 'Data: ' }),
        result.run.dataNote,
      ),
    );
  }
  if (!plan.analyzed) {
    header.append(
      h(
        'div',
        { className: 'note estimate-note', attrs: { role: 'note' } },
        'Estimated plan: the statement was planned, not executed, so there are no actual times or rows.',
      ),
    );
  }
  // Figures not as PostgreSQL writes them (numeric strings, negative or absurd values): said before anything is read.
  for (const warning of plan.warnings ?? []) {
    header.append(
      h(
        'div',
        { className: 'note plan-warning', attrs: { role: 'note' } },
        h('strong', { text: 'Warning: ' }),
        warning.message,
      ),
    );
  }
  return header;
}
