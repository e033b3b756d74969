// Logs in to a Backend.AI Web UI in a real browser and saves a screenshot of the
// dashboard it reaches:
//   WEBUI_EMAIL=admin@lablup.com WEBUI_PASSWORD=... node login.mjs http://10.0.0.1:8090 shot.png
// It logs in, opens the Dashboard from the app's navigation and prints {"url", "title",
// "agents" (the dashboard's "Schedulable Agents", e.g. "2 / 2"), "screenshot", "seconds"}
// once it shows; it fails naming the stage (page, form, login, start, dashboard) with the
// page's own message otherwise.
import { check, credentials, login } from './browser.mjs';

const [url, screenshot] = process.argv.slice(2);
const who = credentials('node login.mjs URL SCREENSHOT');
if (!url || !screenshot) {
  console.error('usage: WEBUI_EMAIL=... WEBUI_PASSWORD=... node login.mjs URL SCREENSHOT');
  process.exit(2);
}
await check(screenshot, async (run, page) => {
  await login(run, page, url, who);
  run.stage = 'dashboard';
  const dashboard = page.getByRole('navigation').getByText('Dashboard', { exact: true }).first();
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
  return { url: page.url(), title: await page.title(), agents, screenshot };
});
