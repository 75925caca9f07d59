// The frame every status page shares: head (CSP-friendly: one stylesheet, one deferred script,
// nothing inline), a skip link, the navigation and the footer. Pages hand in their <main>.
import { markup, type SafeHtml } from './html.js';

export type Section = 'endpoints' | 'revisions' | 'none';

export interface PageFrame {
  readonly title: string;
  readonly section: Section;
  /** Set on <body data-page>: which refresh the script runs ('list', 'detail', or none). */
  readonly page?: 'list' | 'detail';
  /** Extra <body data-*> values for the script (workspace, endpoint). */
  readonly data?: Readonly<Record<string, string>>;
}

export function layout(f: PageFrame, main: SafeHtml): SafeHtml {
  const data = Object.entries(f.data ?? {}).map(([k, v]) => markup` data-${k.replace(/[^a-z-]/g, '')}="${v}"`);
  const link = (href: string, label: string, s: Section): SafeHtml =>
    markup`<a href="${href}" ${f.section === s ? markup` aria-current="page"` : ''}>${label}</a>`;
  return markup`<!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>${f.title} · gw</title>
        <link rel="stylesheet" href="/ui/app.css" />
        <script src="/ui/app.js" defer></script>
      </head>
      <body data-page="${f.page ?? ''}" ${data}>
        <a class="skip" href="#main">Skip to content</a>
        <header class="top">
          <span class="brand">gw</span>
          <nav aria-label="Sections">
            ${link('/', 'Endpoints', 'endpoints')}${link('/ui/revisions', 'Revisions', 'revisions')}
          </nav>
          <span class="live" id="live" role="status" aria-live="polite"></span>
        </header>
        <main id="main" tabindex="-1">${main}</main>
        <footer>Read-only: the manifests in Git are the source of truth; <code>gw apply</code> changes them.</footer>
      </body>
    </html> `;
}
