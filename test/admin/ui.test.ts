// The status page in a real browser (playwright-core driving Debian's chromium) against a real
// `gw serve` with traffic from a fake upstream on 127.0.0.1: every endpoint listed with its
// badges, the detail page's figures equal to `gw status --output json`, a request made during
// the test showing up in recent requests (the page refreshes from JSON, no reload), no secret
// from ${env:} on any page, a wrong key refused, and a <script> in a description shown as text.
// Skips, saying why, when no chromium is installed.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { runGw } from '../helpers/gw.js';
import { CHROMIUM_ARGS, findChromium, NO_CHROMIUM } from '../helpers/chromium.js';
import {
  INJECTED_DESCRIPTION,
  startUiGateway,
  UI_ADMIN_KEY,
  UI_ENDPOINTS,
  UI_UPSTREAM_SECRET,
  type UiGateway,
} from '../helpers/ui-gateway.js';

const executablePath = findChromium();
if (executablePath === undefined) console.log(`# skipping the status page browser tests: ${NO_CHROMIUM}`);

interface StatusJson {
  endpoints: {
    workspace: string;
    name: string;
    requests: number;
    errors: number;
    rps: number;
    p95Ms: number;
    errorRate: number;
  }[];
}

describe('status page in chromium', { skip: executablePath === undefined ? NO_CHROMIUM : false }, () => {
  let g: UiGateway;
  let browser: Browser;
  let signedIn: BrowserContext;
  const pages: string[] = [];

  async function signIn(ctx: BrowserContext, key: string): Promise<Page> {
    const page = await ctx.newPage();
    const first = await page.goto(`${g.gw.adminUrl}/`);
    assert.equal(first?.status(), 401);
    await page.fill('#key', key);
    await page.press('#key', 'Enter');
    return page;
  }

  before(async () => {
    g = await startUiGateway();
    for (let i = 0; i < 3; i++) assert.equal((await g.chat('fast')).status, 200);
    assert.equal((await g.chat('fast', { failUpstream: true })).status, 502);
    assert.equal((await g.chat('triage')).status, 422, 'the input schema refuses a plain message');
    assert.equal((await g.chat('notes', { workspace: 'research' })).status, 200);
    browser = await chromium.launch({ executablePath: executablePath!, args: CHROMIUM_ARGS });
    signedIn = await browser.newContext();
    const page = await signIn(signedIn, UI_ADMIN_KEY);
    await page.waitForSelector('h1:has-text("Endpoints")');
    await page.close();
  });

  after(async () => {
    await browser?.close();
    await g?.close();
    for (const html of pages) assert.ok(!html.includes(UI_UPSTREAM_SECRET), 'a secret reached a page');
  });

  test('a wrong key is refused: the sign-in says so and sets no cookie', async () => {
    const ctx = await browser.newContext();
    try {
      const page = await signIn(ctx, 'not-the-admin-key-0000000000000000');
      // A locator wait polls inside Playwright's injected script; a string predicate would be
      // eval'd in the page, which the admin UI's CSP (script-src 'self') refuses once it polls.
      await page.locator('#signin-error', { hasText: /not the admin key/ }).waitFor();
      assert.deepEqual(await ctx.cookies(), []);
      const again = await page.goto(`${g.gw.adminUrl}/ui/revisions`);
      assert.equal(again?.status(), 401);
      assert.equal(await page.locator('h1').textContent(), 'Sign in');
    } finally {
      await ctx.close();
    }
  });

  test('the cookie is HttpOnly and SameSite=Strict', async () => {
    const [cookie] = await signedIn.cookies();
    assert.equal(cookie?.name, 'gw_admin');
    assert.equal(cookie?.httpOnly, true);
    assert.equal(cookie?.sameSite, 'Strict');
  });

  test('the list shows every endpoint with the right badges and provider chips', async () => {
    const page = await signedIn.newPage();
    await page.goto(`${g.gw.adminUrl}/`);
    pages.push(await page.content());
    const rows = await page.locator('tr[data-endpoint]').evaluateAll((trs) =>
      trs.map((tr) => ({
        id: tr.getAttribute('data-endpoint'),
        badges: [...tr.querySelectorAll('[data-badge]')].map((b) => b.getAttribute('data-badge')),
        chips: [...tr.querySelectorAll('[data-chip]')].map((b) => b.getAttribute('data-chip')),
      })),
    );
    assert.deepEqual(rows.map((r) => r.id).sort(), Object.keys(UI_ENDPOINTS).sort());
    for (const r of rows) assert.deepEqual(r.badges.sort(), [...UI_ENDPOINTS[r.id!]!].sort(), r.id!);
    assert.deepEqual(rows.find((r) => r.id === 'default/support-bot')?.chips, ['openai-main', 'openai-backup']);
    assert.equal(await page.textContent('#kpi-endpoints'), '5');
    assert.equal(await page.textContent('#kpi-mcp'), '2');
    assert.equal(await page.textContent('#kpi-requests'), '6');
    // Keyboard: the skip link comes first and moves focus to the content.
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate('document.activeElement?.textContent'), 'Skip to content');
    await page.close();
  });

  test('a <script> in an endpoint description is shown as text and never runs', async () => {
    const page = await signedIn.newPage();
    await page.goto(`${g.gw.adminUrl}/ui/endpoint?workspace=default&name=support-bot`);
    assert.equal((await page.textContent('p.desc'))?.trim(), INJECTED_DESCRIPTION);
    assert.equal(await page.evaluate('window.__pwned'), undefined);
    const list = await signedIn.newPage();
    await list.goto(`${g.gw.adminUrl}/`);
    assert.equal(
      (await list.textContent('tr[data-endpoint="default/support-bot"] .desc'))?.trim(),
      INJECTED_DESCRIPTION,
    );
    assert.equal(await list.evaluate('window.__pwned'), undefined);
    await Promise.all([page.close(), list.close()]);
  });

  test('the detail page shows the numbers of gw status --output json', async () => {
    const run = await runGw(['status', '--server', g.gw.adminUrl, '--output', 'json'], {
      env: { GW_ADMIN_KEY: UI_ADMIN_KEY },
    });
    assert.equal(run.code, 0, run.stderr);
    const status = JSON.parse(run.stdout) as StatusJson;
    const page = await signedIn.newPage();
    for (const [ws, name] of [
      ['default', 'support-bot'],
      ['research', 'notes'],
    ] as const) {
      await page.goto(`${g.gw.adminUrl}/ui/endpoint?workspace=${ws}&name=${name}`);
      pages.push(await page.content());
      const want = status.endpoints.find((e) => e.workspace === ws && e.name === name)!;
      for (const field of ['requests', 'errors', 'rps', 'p95Ms', 'errorRate'] as const) {
        const cell = page.locator(`.kpis [data-live="${ws}/${name}"][data-field="${field}"]`);
        assert.equal(Number(await cell.getAttribute('data-value')), want[field], `${ws}/${name} ${field}`);
      }
      const shown = await page.textContent(`.kpis [data-field="requests"]`);
      assert.equal(shown, String(want.requests));
    }
    const sb = status.endpoints.find((e) => e.name === 'support-bot')!;
    assert.equal(sb.requests, 4);
    assert.equal(sb.errors, 1);
    assert.equal(await page.locator('#chart').count(), 1);
    await page.close();
  });

  test("the detail page's call examples are gw curl's: the endpoint's URL and, for an MCP tool, the client config", async () => {
    const page = await signedIn.newPage();
    await page.goto(`${g.gw.adminUrl}/ui/endpoint?workspace=default&name=support-bot`);
    const blocks = await page.locator('section[aria-labelledby="h-ex"] pre').allTextContents();
    assert.match(blocks[0] ?? '', /\/endpoints\/support-bot\/v1\/chat\/completions/);
    const config = JSON.parse(blocks.at(-1) ?? '') as { mcpServers: Record<string, { url: string }> };
    assert.equal(config.mcpServers['gw']?.url, `${g.gw.proxyUrl}/mcp/default`);
    await page.close();
  });

  test('a request made now appears in recent requests without a reload', async () => {
    const page = await signedIn.newPage();
    await page.goto(`${g.gw.adminUrl}/ui/endpoint?workspace=default&name=support-bot`);
    assert.equal(await page.locator('#recent tr').count(), 4);
    await page.evaluate('window.__sameDocument = true');
    const { status, requestId } = await g.chat('fast');
    assert.equal(status, 200);
    assert.ok(requestId !== '');
    await page.waitForSelector(`#recent tr[data-request="${requestId}"]`, { timeout: 15_000 });
    assert.equal(await page.evaluate('window.__sameDocument'), true);
    assert.equal(await page.locator('#recent tr').first().getAttribute('data-request'), requestId);
    assert.equal(await page.textContent('.kpis [data-field="requests"]'), '5');
    pages.push(await page.content());
    await page.close();
  });

  test('revisions show the diff with references as written; no secret value on any page', async () => {
    const page = await signedIn.newPage();
    const res = await page.goto(`${g.gw.adminUrl}/ui/revisions`);
    assert.equal(res?.status(), 200);
    const html = await page.content();
    pages.push(html);
    assert.match(html, /Revision 1/);
    assert.match(html, /create provider default\/openai-main/);
    for (const html of pages) assert.ok(!html.includes(UI_UPSTREAM_SECRET));
    // The raw answers too, JSON included.
    const cookie = (await signedIn.cookies())[0]!;
    for (const path of [
      '/',
      '/ui/endpoint?workspace=default&name=raw-api',
      '/admin/v1/endpoints',
      '/admin/v1/revisions/diff?revision=1',
    ]) {
      const r = await fetch(`${g.gw.adminUrl}${path}`, { headers: { cookie: `${cookie.name}=${cookie.value}` } });
      assert.equal(r.status, 200, path);
      assert.ok(!(await r.text()).includes(UI_UPSTREAM_SECRET), path);
    }
    await page.close();
  });
});
