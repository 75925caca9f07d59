// Plans as GitHub-flavoured Markdown, for pull-request comments and $GITHUB_STEP_SUMMARY: a
// heading with the summary, the change lines in a ```diff block (GitHub colours + and -), and
// the diagnostics as a list. Secrets are masked before anything is written.
import { maskPlan } from '../../state/mask.js';
import type { Change, FieldChange, Plan } from '../../state/plan.js';
import type { Diagnostic } from '../../manifest/diagnostics.js';
import { displayName } from '../../state/snapshot.js';
import { summaryLine } from './plan.js';

const MARK = { create: '+', update: '~', delete: '-' } as const;

function show(v: unknown): string {
  return JSON.stringify(v) ?? 'null';
}

function fieldLines(f: FieldChange): string[] {
  // In a diff block a leading - or + colours the line: old value red, new value green.
  const lines: string[] = [];
  if ('before' in f) lines.push(`-     ${f.path}: ${show(f.before)}`);
  if ('after' in f) lines.push(`+     ${f.path}: ${show(f.after)}`);
  return lines;
}

function changeLines(c: Change): string[] {
  const head = `${MARK[c.op]} ${c.op} ${c.kind.toLowerCase()} ${displayName(c.workspace, c.name)}`;
  // An update's head line is neutral (no + or -): only its fields are coloured.
  return [c.op === 'update' ? `! ${head.slice(2)}` : head, ...(c.fields ?? []).flatMap(fieldLines)];
}

/** A fence longer than any run of backticks in the text, so values cannot close it. */
function fenceFor(text: string): string {
  const longest = Math.max(0, ...[...text.matchAll(/`+/g)].map((m) => m[0].length));
  return '`'.repeat(Math.max(3, longest + 1));
}

/** Text for a Markdown line: no HTML, no table or emphasis surprises. */
function inline(text: string): string {
  return text.replace(/[\\`*_<>|[\]]/g, (c) => `\\${c}`);
}

function diagnosticItem(d: Diagnostic): string {
  const where = d.file !== '' ? `\`${d.file}${d.line > 0 ? `:${d.line}:${d.col}` : ''}\` ` : '';
  return `- **${d.severity}** ${where}${d.code}: ${inline(d.message)}`;
}

export interface MarkdownPlanOptions {
  /** The heading, e.g. 'gw diff against http://127.0.0.1:3001 (revision 4)'. */
  readonly title: string;
  readonly diagnostics?: readonly Diagnostic[];
  /** A closing line such as 'Applied: revision 5.' */
  readonly footer?: string;
}

export function renderPlanMarkdown(plan: Plan, o: MarkdownPlanOptions): string {
  const out: string[] = [`### ${inline(o.title)}`, '', `**${summaryLine(plan.summary)}**`, ''];
  const lines = maskPlan(plan).changes.flatMap(changeLines);
  if (lines.length > 0) {
    const body = lines.join('\n');
    const fence = fenceFor(body);
    out.push(`${fence}diff`, body, fence, '');
  }
  const diags = [...(o.diagnostics ?? []), ...plan.diagnostics];
  const errors = diags.filter((d) => d.severity === 'error');
  const warnings = diags.filter((d) => d.severity !== 'error');
  if (errors.length > 0) out.push('**Errors**', '', ...errors.map(diagnosticItem), '');
  if (warnings.length > 0) out.push('**Warnings**', '', ...warnings.map(diagnosticItem), '');
  if (o.footer !== undefined) out.push(inline(o.footer), '');
  return out.join('\n');
}
