// The status page's one escaping helper: every interpolated value is text, only markup`` output
// nests as markup, and a page built from hostile values holds no tag of theirs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { escapeHtml, markup, raw, SafeHtml } from '../../src/admin/ui/html.js';
import { listPage } from '../../src/admin/ui/list.js';
import type { EndpointView } from '../../src/admin/endpoints.js';

test('escapeHtml turns & < > " \' ` into entities and nothing else', () => {
  assert.equal(
    escapeHtml(`<a href="x" onclick='y'>&\`</a>`),
    '&lt;a href=&quot;x&quot; onclick=&#39;y&#39;&gt;&amp;&#96;&lt;/a&gt;',
  );
  assert.equal(escapeHtml('plain text, ünïcode → ok'), 'plain text, ünïcode → ok');
  assert.equal(escapeHtml(42), '42');
  assert.equal(escapeHtml(undefined), '');
  assert.equal(escapeHtml(null), '');
  assert.equal(escapeHtml('&amp;'), '&amp;amp;', 'escaped once more: text is never taken for markup');
});

test('html escapes every interpolation; nested html and arrays of it stay markup', () => {
  const name = '<script>alert(1)</script>';
  const inner = markup`<b>${name}</b>`;
  assert.ok(inner instanceof SafeHtml);
  assert.equal(inner.value, '<b>&lt;script&gt;alert(1)&lt;/script&gt;</b>');
  const items = ['a<', 'b"'].map((x) => markup`<li>${x}</li>`);
  const list = markup`<ul>${items}</ul>`;
  assert.equal(list.value, '<ul><li>a&lt;</li><li>b&quot;</li></ul>');
  assert.equal(markup`${['<i>']}`.value, '&lt;i&gt;', 'a plain string in an array is still text');
  assert.equal(markup`<p title="${'" onmouseover="x'}"></p>`.value, '<p title="&quot; onmouseover=&quot;x"></p>');
  assert.equal(markup`${false}${undefined}${null}${0}`.value, '0');
  assert.equal(markup`${raw('<svg></svg>')}`.value, '<svg></svg>');
  assert.equal(String(markup`<i>${'&'}</i>`), '<i>&amp;</i>');
});

test('a page built from hostile names and descriptions holds none of their tags', () => {
  const evil = '<img src=x onerror=alert(1)>';
  const view: EndpointView = {
    workspace: 'default',
    name: 'bot"><script>x</script>',
    type: 'chat',
    enabled: true,
    description: evil,
    models: ['fast'],
    streaming: true,
    strategy: 'fallback',
    retries: { attempts: 0, backoffMs: 0 },
    fallbackOn: [],
    targets: [
      {
        kind: 'provider',
        name: '<p>',
        type: 'openai',
        url: null,
        weight: 1,
        models: {},
        health: 'healthy',
        failures: 0,
      },
    ],
    limits: { rpm: null, rph: null, tpm: null, maxInputTokens: null, monthlyBudgetUsd: null },
    spendThisMonthUsd: 0,
    guardrails: [{ name: '<g>', stage: 'input', action: 'block' }],
    prompt: { system: null, template: null },
    schema: { input: null, output: null },
    sessions: null,
    mcp: { expose: false, description: null },
  };
  const page = listPage({
    revision: 1,
    answer: {
      endpoints: [view],
      kpis: { endpoints: 1, streaming: 1, sessions: 0, mcpTools: 0, spendThisMonthUsd: 0, budgetsUsd: null },
    },
    status: [],
  }).value;
  assert.doesNotMatch(page, /<img|<script>x|<p>|<g>/);
  assert.match(page, /&lt;img src=x onerror=alert\(1\)&gt;/);
  assert.equal((page.match(/<script/g) ?? []).length, 1, "only the page's own <script src>");
});
