// `gw revisions` as a table: newest first, what each revision changed in +create ~update -delete.
import type { RevisionListItem } from '../admin-client.js';
import { renderTable } from './table.js';

function changes(r: RevisionListItem): string {
  const c = r.changes;
  if (c.create + c.update + c.delete === 0) return 'no change';
  const parts: string[] = [];
  if (c.create > 0) parts.push(`+${c.create}`);
  if (c.update > 0) parts.push(`~${c.update}`);
  if (c.delete > 0) parts.push(`-${c.delete}`);
  return parts.join(' ');
}

export function renderRevisions(list: readonly RevisionListItem[], server: string): string {
  if (list.length === 0) return `${server}: no revisions yet (never configured)\n`;
  const rows = list.map((r) => [
    r.number,
    r.hash.slice(0, 12),
    r.source,
    r.actor ?? '-',
    r.appliedAt,
    changes(r),
    r.resources,
  ]);
  const table = renderTable(
    [
      { title: 'REV', align: 'right' },
      { title: 'HASH' },
      { title: 'SOURCE' },
      { title: 'BY' },
      { title: 'APPLIED AT' },
      { title: 'CHANGES' },
      { title: 'RESOURCES', align: 'right' },
    ],
    rows,
  );
  return `${server}: ${list.length} revision${list.length === 1 ? '' : 's'}, newest first (gw revisions show N for the plan)\n${table}`;
}
