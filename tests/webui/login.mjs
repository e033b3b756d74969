// Logs in to a Backend.AI Web UI in a real browser, Debian's Chromium driven by
// playwright-core, and saves a screenshot of the page it reaches:
//   WEBUI_EMAIL=admin@lablup.com WEBUI_PASSWORD=... node login.mjs http://10.0.0.1:8090 shot.png
// It logs in, opens the Dashboard from the app's navigation and prints {"url", "title",
// "agents" (the dashboard's "Schedulable Agents", e.g. "2 / 2"), "screenshot", "seconds"}
// once it shows; it fails naming the stage (page, form, login, start, dashboard) with the
// page's own message otherwise.
import { chromium } from 'playwright-core';

const [url, screenshot] = process.argv.slice(2);
const { WEBUI_EMAIL: email, WEBUI_PASSWORD: password } = process.env;
if (!url || !screenshot || !email || !password) {
  console.error('usage: WEBUI_EMAIL=... WEBUI_PASSWORD=... node login.mjs URL SCREENSHOT');
  process.exit(2);
}
const started = Date.now();
// As root, in a network with nothing outside: no sandbox, and none of Chromium's own
// background connections (they are refused here, many at a time).
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'],
});
const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
const errors = [];
page.on('pageerror', (e) => errors.push(String(e)));
let stage = 'page';
try {
  await page.goto(url, { waitUntil: 'domcontentloaded', timeout: 60000 });
  stage = 'form';
  const user = page.locator('input[type=email], input[autocomplete=username], input[autocomplete=email], #id_user_id, input[name=email], input[name=username]').first();
  await user.waitFor({ state: 'visible', timeout: 90000 });
  await user.fill(email);
  const pass = page.locator('input[type=password]').first();
  await pass.fill(password);
  stage = 'login';
  const button = page.getByRole('button', { name: /^(log ?in|sign ?in)$/i }).first();
  if (await button.count()) await button.click();
  else await pass.press('Enter');
  stage = 'start';
  // Logged in: the password field is hidden (the form stays in the page) and the app's
  // navigation shows its Dashboard entry.
  await pass.waitFor({ state: 'hidden', timeout: 90000 });
  const dashboard = page.getByRole('navigation').getByText('Dashboard', { exact: true }).first();
  await dashboard.waitFor({ state: 'visible', timeout: 90000 });
  stage = 'dashboard';
  await dashboard.click();
  await page.waitForURL(/\/dashboard/, { timeout: 60000 });
  await page.getByText('Active Sessions').first().waitFor({ state: 'visible', timeout: 60000 });
  await page.waitForLoadState('networkidle', { timeout: 30000 }).catch(() => {});
  // The app's error boundary replaces a page whose query fails (the 26.9 Web UI without
  // the GraphQL gateway).
  if (await page.getByText(/an error has occurred/i).first().isVisible()) {
    throw new Error('the Web UI shows "An error has occurred"');
  }
  const text = (await page.locator('body').innerText()).replace(/\s+/g, ' ');
  const agents = (text.match(/Schedulable Agents (\d+ \/ \d+)/) || [])[1] || '';
  await page.screenshot({ path: screenshot });
  console.log(JSON.stringify({ url: page.url(), title: await page.title(), agents, screenshot, seconds: (Date.now() - started) / 1000 }));
} catch (e) {
  await page.screenshot({ path: screenshot }).catch(() => {});
  const text = (await page.locator('body').innerText().catch(() => '')).replace(/\s+/g, ' ').slice(0, 600);
  console.error(`webui: ${stage}: ${e.message.split('\n')[0]}\n  page: ${page.url()}\n  text: ${text}\n  errors: ${errors.slice(0, 3).join(' | ')}\n  screenshot: ${screenshot}`);
  process.exitCode = 1;
} finally {
  await browser.close();
}
