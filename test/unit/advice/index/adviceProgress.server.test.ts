/**
 * The editor's Suggest Indexes path on the real test server (the core pipeline it calls, adviseStatement, with the
 * options the editor gives it): the index advisor's build progress reaches the caller's onProgress and reads as
 * the notification shows it; a Cancel once the builds have begun returns the advice with "Stopped early" (the best
 * so far), and a Cancel before them fails as cancelled, which the editor says as "before any candidate index was
 * built".
 */
import { strict as assert } from 'node:assert';
import { testServer } from '../../../helpers/globalServer';
import { createEventsDatabase } from '../../../helpers/eventsDatabase';
import { dropDatabase } from '../../../helpers/testDatabase';
import { dashboardQuery } from '../../../../src/core/demo/dashboardDemo';
import { dashboardDatabase } from '../../cli/dashboardDatabase';
import { openSession } from '../../../../src/core/db/openSession';
import type { DatabaseSession } from '../../../../src/core/db/session';
import type { AdviseIndexesOptions } from '../../../../src/core/advice/index/adviseIndexes';
import { isCancelled } from '../../../../src/core/errors';
import { adviseStatement, type StatementAdviceOptions } from '../../../../src/core/pipeline/statementAdvice';
import {
  buildProgressMessage,
  cancelledAdviceMessage,
  stoppedEarlyPrefix,
  type AdviceCancelPoint,
} from '../../../../src/core/advice/index/buildProgress';

const dbName = `advice_progress_${process.pid}`;
const dashboardName = `advice_progress_dash_${process.pid}`;
const statement =
  "SELECT count(*) AS n, sum(amount) AS total FROM events WHERE account = 42 AND created_at >= timestamptz '2024-06-01 00:00:00+00'";

describe('Suggest Indexes progress and Cancel through the core pipeline (real server)', function () {
  this.timeout(300_000);
  let url: string;
  let session: DatabaseSession;

  before(async () => {
    url = await createEventsDatabase(dbName);
    session = await openSession({ kind: 'server', connectionString: url }, { ownScans: false });
  });

  after(async () => {
    await session?.close();
    await dropDatabase(await testServer(), dbName);
  });

  /** The options the editor gives adviseStatement, with its progress and cancel bookkeeping. */
  function editorOptions(
    signal: AbortSignal,
    at: AdviceCancelPoint,
    messages: string[],
    onBuild?: () => void,
  ): StatementAdviceOptions & Pick<AdviseIndexesOptions, 'onProgress'> {
    return {
      allowMeasuredWhatIf: true,
      signal,
      onStep: (step) => {
        at.step = step;
      },
      onProgress: (p) => {
        at.buildsStarted = Math.max(at.buildsStarted, p.index);
        messages.push(buildProgressMessage(p));
        onBuild?.();
      },
    };
  }

  it('each build is reported with the time left, from the index advisor through adviseStatement', async () => {
    const messages: string[] = [];
    const at: AdviceCancelPoint = { step: 'starting', buildsStarted: 0 };
    const advised = await adviseStatement(
      session,
      statement,
      editorOptions(new AbortController().signal, at, messages),
    );
    assert.ok(messages.length >= 1, 'at least one candidate was built');
    const total = /^building index 1 of (\d+) /.exec(messages[0])?.[1];
    assert.equal(Number(total), messages.length, 'every candidate announced was built');
    messages.forEach((m, i) =>
      assert.match(m, new RegExp(`^building index ${i + 1} of ${total} \\(\\S+\\) — about \\d+ (s|min) left`)),
    );
    // Before the first build is timed the rate is a guess, and said to be one; after it, not.
    assert.match(messages[0], /\(a guess until the first build is timed\)/);
    if (messages.length > 1) assert.doesNotMatch(messages[1], /a guess/);
    assert.equal(stoppedEarlyPrefix(advised.indexes.measurement.reason), '');
  });

  it('Cancel once the builds have begun returns the advice so far, labelled stopped early', async () => {
    const messages: string[] = [];
    const at: AdviceCancelPoint = { step: 'starting', buildsStarted: 0 };
    const abort = new AbortController();
    const advised = await adviseStatement(session, statement, {
      ...editorOptions(abort.signal, at, messages, () => abort.abort()),
      preAggregate: { howToAllow: 'x' },
    });
    assert.equal(messages.length, 1, 'nothing was built after the cancel');
    assert.match(
      stoppedEarlyPrefix(advised.indexes.measurement.reason),
      /^Stopped early: 0 of \d+ candidates measured — the best so far: $/,
    );
    assert.ok(advised.indexes.suggestions.length >= 1, 'the estimated advice is kept');
  });

  it('the dashboard with pre-aggregation asked for (as the editor and report do): a Cancel while building still returns the index advice so far, and nothing after it runs', async () => {
    const { url: dashboardUrl } = await dashboardDatabase(dashboardName);
    const dashboard = await openSession({ kind: 'server', connectionString: dashboardUrl }, { ownScans: false });
    try {
      const messages: string[] = [];
      const at: AdviceCancelPoint = { step: 'starting', buildsStarted: 0 };
      const abort = new AbortController();
      const advised = await adviseStatement(dashboard, dashboardQuery, {
        ...editorOptions(abort.signal, at, messages, () => abort.abort()),
        preAggregate: { howToAllow: 'use a connection not marked production or read-only' },
      });
      assert.equal(messages.length, 1);
      assert.match(advised.indexes.measurement.reason ?? '', /^Stopped early: 0 of \d+ candidates measured/);
      assert.equal(at.step, 'indexes', 'no step after the indexes began');
      assert.equal(advised.preAggregate, undefined);
      assert.equal(advised.combined, undefined);
    } finally {
      await dashboard.close();
      await dropDatabase(await testServer(), dashboardName);
    }
  });

  it('Cancel before any build: cancelled, said as before any candidate index was built', async () => {
    const messages: string[] = [];
    const at: AdviceCancelPoint = { step: 'starting', buildsStarted: 0 };
    const abort = new AbortController();
    const options = editorOptions(abort.signal, at, messages);
    const onStep = options.onStep;
    options.onStep = (step) => {
      onStep?.(step);
      if (step === 'indexes') abort.abort();
    };
    const failure = await adviseStatement(session, statement, options).then(
      () => undefined,
      (err: unknown) => err,
    );
    assert.ok(isCancelled(failure), String(failure));
    assert.deepEqual(messages, []);
    assert.match(
      cancelledAdviceMessage('Suggest Indexes and Rewrites', at),
      /^Suggest Indexes and Rewrites was cancelled while screening index candidates, before any candidate index was built: nothing was measured/,
    );
  });
});
