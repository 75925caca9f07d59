// Takes the README's screenshots of the status page: starts the browser test's gateway (a real
// `gw serve` with a fake upstream), sends some traffic, signs in with chromium and saves the
// endpoint list and one endpoint's detail page as PNG under docs/. Needs `npm run build` and
// chromium (`apt-get install -y chromium`, or GW_CHROMIUM). Run: npx tsx scripts/ui-screenshots.ts
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { CHROMIUM_ARGS, findChromium, NO_CHROMIUM } from '../test/helpers/chromium.js';
import { startUiGateway, UI_ADMIN_KEY } from '../test/helpers/ui-gateway.js';

const out = (name: string): string => fileURLToPath(new URL(`../docs/${name}`, import.meta.url));

const executablePath = findChromium();
if (executablePath === undefined) {
  console.error(NO_CHROMIUM);
  process.exit(1);
}
const g = await startUiGateway();
const browser = await chromium.launch({ executablePath, args: CHROMIUM_ARGS });
try {
  for (let i = 0; i < 12; i++) await g.chat('fast');
  await g.chat('fast', { failUpstream: true });
  for (let i = 0; i < 4; i++) await g.chat('notes', { workspace: 'research' });
  const ctx = await browser.newContext({ viewport: { width: 1200, height: 800 }, deviceScaleFactor: 1 });
  const page = await ctx.newPage();
  await page.goto(`${g.gw.adminUrl}/`);
  await page.fill('#key', UI_ADMIN_KEY);
  await page.press('#key', 'Enter');
  await page.waitForSelector('h1:has-text("Endpoints")');
  await page.screenshot({ path: out('status-page-list.png'), fullPage: true });
  await page.goto(`${g.gw.adminUrl}/ui/endpoint?workspace=default&name=support-bot`);
  await page.screenshot({ path: out('status-page-detail.png'), fullPage: true });
  const phone = await browser.newContext({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 1 });
  await phone.addCookies(await ctx.cookies());
  const small = await phone.newPage();
  await small.goto(`${g.gw.adminUrl}/`);
  await small.screenshot({ path: out('status-page-phone.png'), fullPage: false });
  console.log('wrote docs/status-page-list.png, docs/status-page-detail.png, docs/status-page-phone.png');
} finally {
  await browser.close();
  await g.close();
}
