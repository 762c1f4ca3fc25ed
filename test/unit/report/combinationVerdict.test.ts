/**
 * What the four arms of a rewrite measured with its index say to apply, by the rewrites' noise rule. The demo
 * once printed "With the index" over arms where the index added nothing on top of the rewrite (168 → 170 ms).
 */
import { strict as assert } from 'node:assert';
import type { CombinationArm, RewriteCombination } from '../../../src/core/advice/rewriteSuggestion';
import { combinationVerdict } from '../../../src/core/report/rewriteReport';

function arm(label: string, rewrite: boolean, index: boolean, samplesMs: number[], timedOut = false): CombinationArm {
  const sorted = [...samplesMs].sort((a, b) => a - b);
  return {
    label,
    rewrite,
    index,
    figures: { timeMs: sorted[1] ?? sorted[0], samplesMs, sharedBuffers: 10, rows: 100, rowsScanned: 10, timedOut },
  };
}

function combination(original: number[], rewrite: number[], index: number[], both: number[]): RewriteCombination {
  return {
    where: 'test',
    indexSql: [],
    rollbackSql: [],
    arms: [
      arm('original', false, false, original),
      arm('rewrite alone', true, false, rewrite),
      arm('index alone', false, true, index),
      arm('rewrite + index', true, true, both),
    ],
  };
}

describe('combinationVerdict: what the four arms say to apply', () => {
  it('the index adds nothing on top of the rewrite: the rewrite alone (the demo under load)', () => {
    const v = combinationVerdict(combination([254, 267, 276], [168, 162, 175], [377, 330, 313], [170, 103, 183]));
    assert.equal(v, 'Apply the rewrite alone: the index adds nothing measurable on top of it.');
  });

  it('each faster with the other: both', () => {
    assert.match(
      combinationVerdict(combination([185, 186, 184], [53, 54, 52], [150, 151, 149], [12, 12.5, 11.8])) ?? '',
      /^Apply both: each/,
    );
  });

  it('the index alone pays too: said as the fallback where the statement cannot change', () => {
    assert.match(
      combinationVerdict(combination([200, 201, 199], [50, 51, 49], [80, 81, 79], [49, 52, 48])) ?? '',
      /^Apply the rewrite alone: .*where the statement cannot change/,
    );
  });

  it('the rewrite adds nothing once the index exists: the index alone', () => {
    assert.match(
      combinationVerdict(combination([200, 201, 199], [190, 195, 188], [20, 21, 19], [20, 22, 19])) ?? '',
      /^Apply the index alone/,
    );
  });

  it('noise everywhere: neither', () => {
    assert.match(
      combinationVerdict(combination([100, 90, 110], [95, 85, 120], [98, 80, 115], [97, 88, 105])) ?? '',
      /^Neither/,
    );
  });

  it('an original stopped by the statement_timeout is its bound: the rewrite still pays against it', () => {
    const c = combination([4000], [50, 51, 49], [3000, 3100, 2900], [49, 50, 51]);
    c.arms[0] = arm('original', false, false, [4000], true);
    assert.match(combinationVerdict(c) ?? '', /^Apply the rewrite alone/);
  });
});
