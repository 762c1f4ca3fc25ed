/**
 * The extension's figures in the real editor (issue 4, "Figures"): activation time, command → first paint of
 * the plan view for a 100- and a 2,000-node plan (median of 3 opens, each into a newly created view; then one
 * into a view already open), the VSIX size, and opening a SQL file → the first plan on the embedded default
 * (issue 13, firstEmbeddedPlan.ts). Builds the VSIX, starts code-server and Chromium, stops both also on failure. Takes a couple of
 * minutes. `npx tsx bench/extension/run.ts` prints the rows alone.
 */
import { EditorSession, type PaintSample } from '../../test/helpers/editorSession';
import { firstMessageSize } from '../../test/helpers/messageSize';
import { benchFirstEmbeddedPlan, firstEmbeddedPlanFigures } from './firstEmbeddedPlan';

import {
  extensionFigures,
  humanDwellMs,
  paintPlanSizes,
  withinTarget,
  type ExtensionFigure,
} from '../../test/helpers/extensionFigures';

const opens = 3;

export async function benchExtension(): Promise<ExtensionFigure[]> {
  const session = await EditorSession.start('bench', paintPlanSizes);
  let failed = true;
  let rows: ExtensionFigure[];
  try {
    const samples: PaintSample[] = [];
    let activationMs: number | undefined;
    for (const nodes of paintPlanSizes) {
      for (let i = 0; i < opens; i++) {
        if (samples.length > 0) await session.closeEditors();
        samples.push((await session.openPlan(nodes)).sample);
        // The first command activates the extension (no .sql file is open, so nothing did before).
        activationMs ??= await session.activationMs();
      }
    }
    // A person's pick: the dialog open for a couple of seconds, during which the new view starts.
    const humanPaced: PaintSample[] = [];
    for (let i = 0; i < opens; i++) {
      await session.closeEditors();
      humanPaced.push((await session.openPlan(paintPlanSizes[paintPlanSizes.length - 1], humanDwellMs)).sample);
    }
    // The same plan into a view that is already open (showing another plan): no webview to create and load.
    await session.openPlan(paintPlanSizes[0]);
    const intoOpenView = (await session.openPlan(paintPlanSizes[paintPlanSizes.length - 1])).sample;
    const runtimeActivationMs = await session.runningExtensionsActivationMs();
    failed = false;
    const firstMessage = await firstMessageSize(paintPlanSizes[paintPlanSizes.length - 1]);
    rows = extensionFigures({
      activationMs: activationMs ?? Number.NaN,
      runtimeActivationMs,
      vsixBytes: session.vsixBytes,
      samples,
      humanPaced,
      intoOpenView,
      firstMessage,
    });
  } finally {
    await session.stop(failed);
  }
  // In an editor of its own, once this one has stopped: a freshly opened workspace whose SQL file is opened first.
  return [...rows, ...firstEmbeddedPlanFigures(await benchFirstEmbeddedPlan())];
}

if (require.main === module) {
  benchExtension().then(
    (rows) => {
      for (const r of rows) {
        const met = withinTarget(r);
        console.log(
          `${r.label.padEnd(96)}  ${r.value.padEnd(34)}  ${r.target.padEnd(10)}  ${met === undefined ? '' : met ? 'PASS' : 'MISS'}`,
        );
      }
      process.exit(0);
    },
    (err: unknown) => {
      console.error(err);
      process.exit(1);
    },
  );
}
