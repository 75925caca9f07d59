// Revisions: who applied what (the source label), when, and what each revision changed against
// the one before, from the same masked plan `gw diff` shows.
import type { RevisionDiff } from '../revision-diff.js';
import { html, type SafeHtml } from './html.js';
import { layout } from './layout.js';

const MARK = { create: '+', update: '~', delete: '-' } as const;

const show = (v: unknown): string => JSON.stringify(v) ?? 'null';

function diffLines(d: RevisionDiff): SafeHtml {
  const lines = d.diff.changes.flatMap((c) => [
    html`<span class="op-${c.op}">${MARK[c.op]} ${c.op} ${c.kind.toLowerCase()} ${c.workspace}/${c.name}</span> `,
    ...(c.fields ?? []).map(
      (f) => html`
        ${f.path}: ${'before' in f ? show(f.before) : '(none)'} → ${'after' in f ? show(f.after) : '(none)'}
      `,
    ),
  ]);
  const s = d.diff.summary;
  return html`<pre
    class="diff"
  ><code>${lines}${s.create + s.update + s.delete === 0 ? 'No changes.' : `${s.create} created, ${s.update} updated, ${s.delete} deleted, ${s.unchanged} unchanged.`}</code></pre>`;
}

export function revisionsPage(diffs: readonly RevisionDiff[]): SafeHtml {
  const items = diffs.map(
    (d) => html`<article class="revision" id="rev-${d.revision}" aria-labelledby="rev-h-${d.revision}">
<h2 id="rev-h-${d.revision}">Revision ${d.revision} <small>${d.appliedAt.replace('T', ' ').slice(0, 19)} UTC · source <code>${d.source}</code> · against ${d.previous === null ? 'nothing' : `revision ${d.previous}`}</small></h2>
<details${d === diffs[0] ? html` open` : ''}><summary>Diff</summary>${diffLines(d)}</details>
</article>`,
  );
  const main = html`<h1>Revisions</h1>
    <p>
      Every config change the gateway took, newest first; credentials written literally in a manifest show as [masked].
    </p>
    ${items.length === 0 ? html`<p>No revisions yet.</p>` : items}`;
  return layout({ title: 'Revisions', section: 'revisions' }, main);
}
