// Revisions: who applied what (the source label), when, and what each revision changed against
// the one before, from the same masked plan `gw diff` shows.
import type { RevisionDiff } from '../revision-diff.js';
import { markup, type SafeHtml } from './html.js';
import { layout } from './layout.js';

const MARK = { create: '+', update: '~', delete: '-' } as const;

const show = (v: unknown): string => JSON.stringify(v) ?? 'null';

function diffLines(d: RevisionDiff): SafeHtml {
  const lines = d.diff.changes.flatMap((c) => [
    markup`<span class="op-${c.op}">${MARK[c.op]} ${c.op} ${c.kind.toLowerCase()} ${c.workspace}/${c.name}</span>${'\n'}`,
    ...(c.fields ?? []).map(
      (f) =>
        markup`    ${f.path}: ${'before' in f ? show(f.before) : '(none)'} → ${'after' in f ? show(f.after) : '(none)'}${'\n'}`,
    ),
  ]);
  const s = d.diff.summary;
  const summary =
    s.create + s.update + s.delete === 0
      ? 'No changes.'
      : `${s.create} created, ${s.update} updated, ${s.delete} deleted, ${s.unchanged} unchanged.`;
  return markup`<pre class="diff"><code>${lines}${summary}</code></pre>`;
}

export function revisionsPage(diffs: readonly RevisionDiff[]): SafeHtml {
  const items = diffs.map(
    (d) => markup`<article class="revision" id="rev-${d.revision}" aria-labelledby="rev-h-${d.revision}">
<h2 id="rev-h-${d.revision}">Revision ${d.revision} <small>${d.appliedAt.replace('T', ' ').slice(0, 19)} UTC · source <code>${d.source}</code> · against ${d.previous === null ? 'nothing' : `revision ${d.previous}`}</small></h2>
<details${d === diffs[0] ? markup` open` : ''}><summary>Diff</summary>${diffLines(d)}</details>
</article>`,
  );
  const main = markup`<h1>Revisions</h1>
    <p>
      Every config change the gateway took, newest first; credentials written literally in a manifest show as [masked].
    </p>
    ${items.length === 0 ? markup`<p>No revisions yet.</p>` : items}`;
  return layout({ title: 'Revisions', section: 'revisions' }, main);
}
