/**
 * The words of the index advisor's progress and of a cancel, shared by the editor's progress notification: the
 * build n of m with the time left (a stated guess before the first build is timed), and a cancel that found
 * nothing to keep said as such rather than as a bare "Cancelled.".
 */
import { strict as assert } from 'node:assert';
import {
  buildProgressMessage,
  cancelledAdviceMessage,
  stoppedEarlyPrefix,
  timeLeft,
} from '../../../../src/core/advice/index/buildProgress';

describe('buildProgress: what the user reads while candidates are built, and when they cancel', () => {
  it('the time left: seconds up to 90, then minutes; never "0 s"', () => {
    assert.equal(timeLeft(40_400), 'about 40 s left');
    assert.equal(timeLeft(89_000), 'about 89 s left');
    assert.equal(timeLeft(150_000), 'about 3 min left');
    assert.equal(timeLeft(10), 'about 1 s left');
  });

  it('build n of m, the index, the time left and that Cancel keeps the best so far', () => {
    const measured = buildProgressMessage({
      phase: 'building',
      index: 2,
      total: 3,
      name: 'orders_user_id_created_at_idx',
      etaMs: 40_000,
      etaFromDefault: false,
    });
    assert.equal(
      measured,
      'building index 2 of 3 (orders_user_id_created_at_idx) — about 40 s left; Cancel keeps the best so far',
    );
    const first = buildProgressMessage({
      phase: 'building',
      index: 1,
      total: 3,
      name: 'orders_user_id_idx',
      etaMs: 250_000,
      etaFromDefault: true,
    });
    assert.match(
      first,
      /^building index 1 of 3 \(orders_user_id_idx\) — about 4 min left \(a guess until the first build is timed\)/,
    );
  });

  it('a cancel before any build says that nothing was measured, and where it stopped', () => {
    const action = 'Suggest Indexes and Rewrites';
    assert.equal(
      cancelledAdviceMessage(action, { step: 'rewrites', buildsStarted: 0 }),
      'Suggest Indexes and Rewrites was cancelled while proving rewrites, before any candidate index was built: nothing was measured, so there is no advice to keep. Nothing was changed on the database.',
    );
    assert.match(
      cancelledAdviceMessage(action, { step: 'indexes', buildsStarted: 0 }),
      /cancelled while screening index candidates, before any candidate index was built/,
    );
    assert.match(
      cancelledAdviceMessage(action, { step: 'starting', buildsStarted: 0 }),
      /was cancelled before any candidate/,
    );
    assert.match(
      cancelledAdviceMessage(action, { step: 'combination', buildsStarted: 2 }),
      /cancelled after 2 candidate builds began, before a result could be kept/,
    );
    assert.notEqual(cancelledAdviceMessage(action, { step: 'rewrites', buildsStarted: 0 }), 'Cancelled.');
  });

  it('a result stopped early is announced as the best so far; a finished one as it is', () => {
    assert.equal(
      stoppedEarlyPrefix('Stopped early: 1 of 3 candidates measured'),
      'Stopped early: 1 of 3 candidates measured — the best so far: ',
    );
    assert.equal(stoppedEarlyPrefix(undefined), '');
    assert.equal(stoppedEarlyPrefix('HypoPG is not installed'), '');
  });
});
