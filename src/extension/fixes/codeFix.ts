/**
 * The mechanism by which advisors offer quick fixes. A `CodeFixProvider` looks at one diagnostic (an insight
 * mapped into a document) and returns fixes as plain data with document offsets; the code-action provider
 * turns them into `vscode.CodeAction`s. Free of `vscode`, so every fix is unit-tested on text.
 */
import type { Insight } from '../../core/insights/insight';
import type { SourceRange } from '../../core/positions';
import type { CommandCall } from '../commandTable';

export interface FixInput {
  ruleId: string;
  insight: Insight;
  /** The whole document text. */
  documentText: string;
  /** The statement the diagnostic sits in, with its document offsets. */
  statement: { text: string; start: number; end: number };
  /** The diagnostic's range in document offsets. */
  range: SourceRange;
}

export interface TextEditFix {
  range: SourceRange;
  newText: string;
}

export interface CodeFix {
  title: string;
  /** At most one fix per diagnostic should be preferred (it is what "Auto Fix" applies). */
  isPreferred?: boolean;
  /** Edits to the document, in document offsets, not overlapping. */
  edits?: TextEditFix[];
  /** DDL and other text the user should run themselves: opened in a new untitled document, never executed. */
  newDocument?: { language: 'sql'; content: string };
  /** A command to run when the fix is picked (instead of opening `newDocument`); arguments must be plain data. */
  command?: CommandCall;
}

export interface CodeFixProvider {
  /** Rule ids this provider answers for. */
  readonly ruleIds: readonly string[];
  provideFixes(input: FixInput): CodeFix[];
}

/** Advisors register here; the code-action provider asks all providers for a diagnostic's rule id. */
export class CodeFixRegistry {
  private readonly providers: CodeFixProvider[] = [];

  register(provider: CodeFixProvider): { dispose(): void } {
    this.providers.push(provider);
    return {
      dispose: () => {
        const i = this.providers.indexOf(provider);
        if (i >= 0) this.providers.splice(i, 1);
      },
    };
  }

  fixesFor(input: FixInput): CodeFix[] {
    const fixes: CodeFix[] = [];
    for (const provider of this.providers) {
      if (!provider.ruleIds.includes(input.ruleId) && !provider.ruleIds.includes('*')) continue;
      fixes.push(...provider.provideFixes(input));
    }
    // A second preferred fix would make "Auto Fix" ambiguous: keep the first.
    let preferredSeen = false;
    for (const fix of fixes) {
      if (fix.isPreferred && preferredSeen) fix.isPreferred = false;
      preferredSeen ||= fix.isPreferred === true;
    }
    return fixes;
  }
}
