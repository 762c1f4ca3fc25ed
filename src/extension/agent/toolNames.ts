/**
 * The language-model tools the extension declares (package.json `languageModelTools`) and registers at
 * activation. Kept apart and import-free: the small entry bundle (extension.ts) registers them, the tuner bundle
 * implements them.
 */
export const languageModelToolNames = [
  'pgTuner_explain',
  'pgTuner_analysePlan',
  'pgTuner_comparePlans',
  'pgTuner_adviseIndexes',
  'pgTuner_rewrite',
] as const;

export type LanguageModelToolName = (typeof languageModelToolNames)[number];
