/**
 * The protocol's guards accept every message type of their direction, well formed, and nothing else. The
 * examples are keyed by type, so a message added to a union without an example here is a compile error.
 */
import { strict as assert } from 'node:assert';
import {
  isHostToWebviewMessage,
  isWebviewToHostMessage,
  type HostToWebviewMessage,
  type TuningResult,
  type PlanComparison,
  type WebviewToHostMessage,
} from '../../../src/shared/protocol';

type ByType<M extends { type: string }> = { [K in M['type']]: Extract<M, { type: K }> };

const result = { sql: 'select 1', plan: { nodes: [] } } as unknown as TuningResult;

const fromHost: ByType<HostToWebviewMessage> = {
  didShowResult: { type: 'didShowResult', result, title: 'Plan' },
  didSelectNode: { type: 'didSelectNode', nodeId: 3 },
  didChangeBusy: { type: 'didChangeBusy', busy: false, message: 'The statement failed.' },
  didShowComparison: {
    type: 'didShowComparison',
    before: result,
    after: result,
    comparison: {} as PlanComparison,
    summary: ['Faster'],
    title: 'Compare',
  },
  didLoadNodeFields: { type: 'didLoadNodeFields', resultKey: 'k-1', fields: [] },
};

const fromView: ByType<WebviewToHostMessage> = {
  ready: { type: 'ready' },
  revealSqlRange: { type: 'revealSqlRange', range: { start: 0, end: 6 } },
  selectNode: { type: 'selectNode', nodeId: 0 },
  copyPlanJson: { type: 'copyPlanJson' },
  openReport: { type: 'openReport' },
  explainAgain: { type: 'explainAgain' },
  exportImage: { type: 'exportImage', format: 'svg', svgText: '<svg/>', suggestedName: 'plan.svg' },
  copyPlanForSharing: { type: 'copyPlanForSharing' },
  compareWithPrevious: { type: 'compareWithPrevious' },
  painted: { type: 'painted', nodes: 12, ms: 4.5 },
};

// Names every object has (inherited) or that look like a message of the other direction.
const strangers = ['constructor', 'toString', 'hasOwnProperty', '__proto__', 'valueOf', 'bogus', ''];

describe('protocol guards', () => {
  it('accept every host → webview message type, well formed, and no webview → host one', () => {
    for (const message of Object.values(fromHost)) assert.ok(isHostToWebviewMessage(message), message.type);
    for (const message of Object.values(fromView)) assert.ok(!isHostToWebviewMessage(message), message.type);
  });

  it('accept every webview → host message type, well formed, and no host → webview one', () => {
    for (const message of Object.values(fromView)) assert.ok(isWebviewToHostMessage(message), message.type);
    for (const message of Object.values(fromHost)) assert.ok(!isWebviewToHostMessage(message), message.type);
  });

  it('refuse types that are only inherited names or unknown, and messages missing their fields', () => {
    for (const type of strangers) {
      assert.ok(!isHostToWebviewMessage({ type }), type);
      assert.ok(!isWebviewToHostMessage({ type }), type);
    }
    for (const value of [undefined, null, 'ready', 1, { type: 1 }, {}]) {
      assert.ok(!isHostToWebviewMessage(value));
      assert.ok(!isWebviewToHostMessage(value));
    }
    assert.ok(!isWebviewToHostMessage({ type: 'revealSqlRange', range: { start: 5, end: 2 } }));
    assert.ok(!isWebviewToHostMessage({ type: 'selectNode', nodeId: 1.5 }));
    assert.ok(!isWebviewToHostMessage({ type: 'painted', nodes: 3, ms: -1 }));
    assert.ok(!isWebviewToHostMessage({ ...fromView.exportImage, suggestedName: '../plan.svg' }));
    assert.ok(
      !isWebviewToHostMessage({
        type: 'exportImage',
        format: 'png',
        dataUrl: 'data:text/html,x',
        suggestedName: 'p.png',
      }),
    );
    assert.ok(!isHostToWebviewMessage({ type: 'didSelectNode', nodeId: '3' }));
    assert.ok(!isHostToWebviewMessage({ type: 'didShowResult', result: null, title: 'Plan' }));
    assert.ok(!isHostToWebviewMessage({ type: 'didChangeBusy' }));
  });
});
