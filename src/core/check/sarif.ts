/**
 * `pg-tuner check` findings as SARIF 2.1.0, the format GitHub code scanning reads: `tool.driver.rules` is
 * generated from the check's rule table (ids, names, descriptions), each result points at the statement's
 * file, line and column (1-based, UTF-16 columns as SARIF counts by default) relative to the checkout root,
 * and carries the statement's fingerprint so an alert follows the query when lines move.
 */
import type { Log, ReportingDescriptor, Result } from 'sarif';
import type { Severity } from '../insights/insight';
import type { CheckResult } from './checkResult';
import type { CheckRuleId } from './checkRules';
import { checkRules } from './checkRules';

export const sarifSchemaUri = 'https://json.schemastore.org/sarif-2.1.0.json';

const levels: Record<Severity, Result.level> = { critical: 'error', warning: 'warning', info: 'note' };

/** Rule ids in table order: the index of a rule here is its `ruleIndex`. */
const ruleIds = Object.keys(checkRules) as CheckRuleId[];

function descriptor(id: CheckRuleId): ReportingDescriptor {
  const rule = checkRules[id];
  return {
    id,
    name: rule.name,
    shortDescription: { text: rule.summary },
    fullDescription: { text: `${rule.summary} ${rule.help}` },
    help: { text: rule.help },
    defaultConfiguration: { level: levels[rule.defaultSeverity] },
    properties: {
      tags: ['postgresql', 'sql', rule.kind === 'plan' ? 'performance' : rule.kind === 'sql' ? 'correctness' : 'check'],
    },
  };
}

/** A relative path as a URI reference (spaces and `#` escaped), resolved against %SRCROOT%. */
function uriOf(path: string): string {
  return path.split('/').map(encodeURIComponent).join('/');
}

export function checkSarif(result: CheckResult, toolVersion: string): Log {
  const results: Result[] = result.findings.map((finding) => {
    const statement = result.statements[finding.statement];
    const l = finding.location;
    return {
      ruleId: finding.ruleId,
      ruleIndex: ruleIds.indexOf(finding.ruleId),
      level: levels[finding.severity],
      message: { text: finding.suggestion ? `${finding.message} ${finding.suggestion}` : finding.message },
      locations: [
        {
          physicalLocation: {
            artifactLocation: { uri: uriOf(l.path), uriBaseId: '%SRCROOT%' },
            region: { startLine: l.startLine, startColumn: l.startColumn, endLine: l.endLine, endColumn: l.endColumn },
          },
        },
      ],
      partialFingerprints: { 'pgTunerStatement/v1': `${statement?.fingerprint ?? ''}:${finding.ruleId}` },
    };
  });
  return {
    $schema: sarifSchemaUri,
    version: '2.1.0',
    runs: [
      {
        tool: { driver: { name: 'pg-tuner', semanticVersion: toolVersion, rules: ruleIds.map(descriptor) } },
        columnKind: 'utf16CodeUnits',
        results,
      },
    ],
  };
}
