// A user's way to a session's apps, in a real browser: log in to the Web UI, start an
// interactive session from its session launcher, open the session's Jupyter Notebook and
// its Console (ttyd) from the app launcher, each in the window the Web UI opens through
// the App Proxy, then terminate the session from the sessions list:
//   WEBUI_EMAIL=... WEBUI_PASSWORD=... node apps.mjs https://10.0.0.1:8090 SESSION DIR
// Screenshots go to DIR (launcher.png, session.png, app-jupyter.png, app-ttyd.png; failure.png
// where it stopped). It prints {"session", "apps": {NAME: {"url", "title"}}, "screenshots",
// "seconds"}; it fails naming the stage (page, form, login, start, launcher, running,
// app jupyter, app ttyd, terminate) with the page's own text otherwise.
import path from 'node:path';
import { check, credentials, login } from './browser.mjs';

const [url, session, dir] = process.argv.slice(2);
const who = credentials('node apps.mjs URL SESSION DIR');
if (!url || !session || !dir) {
  console.error('usage: WEBUI_EMAIL=... WEBUI_PASSWORD=... node apps.mjs URL SESSION DIR');
  process.exit(2);
}
const shot = (name) => path.join(dir, name);

// The apps as the app launcher names them, and what shows each one's page is served:
// Jupyter's file list, and ttyd's terminal once the kernel's tmux has set its title
// (which arrives through the terminal's WebSocket).
const apps = [
  { name: 'jupyter', label: 'Jupyter Notebook', ready: (p) => p.getByText('Select items to perform actions on them.').waitFor({ timeout: 90000 }) },
  {
    name: 'ttyd', label: 'Console', ready: async (p) => {
      await p.locator('.xterm').first().waitFor({ timeout: 90000 });
      await p.waitForFunction(() => /tmux/.test(document.title), null, { timeout: 90000 });
    },
  },
];

await check(shot('failure.png'), async (run, page, context) => {
  await login(run, page, url, who);

  run.stage = 'launcher';
  await page.goto(new URL('session/start', url.replace(/\/?$/, '/')).href, { waitUntil: 'domcontentloaded', timeout: 60000 });
  await page.getByLabel('Session Name').fill(session, { timeout: 60000 });
  await page.getByRole('button', { name: /Skip to review/ }).click();
  const launch = page.getByRole('button', { name: /^Launch$/ });
  await launch.waitFor({ timeout: 30000 });
  await page.screenshot({ path: shot('launcher.png') });
  await launch.click();
  // Without a storage folder the launcher asks first; the home directory is throwaway.
  const confirm = page.getByRole('dialog').getByRole('button', { name: /^Start$/ });
  await confirm.waitFor({ timeout: 30000 });
  await confirm.click();

  run.stage = 'running';
  await page.waitForURL(/\/session(\?|$)/, { timeout: 60000 });
  const row = page.getByRole('row').filter({ hasText: session }).first();
  const deadline = Date.now() + 300000;
  for (;;) {
    const text = (await row.innerText({ timeout: 60000 })).replace(/\s+/g, ' ');
    if (/\bRUNNING\b/.test(text)) break;
    if (/\b(ERROR|CANCELLED|TERMINATED)\b/.test(text)) throw new Error(`the session is not running: ${text}`);
    if (Date.now() > deadline) throw new Error(`the session did not run within 300 s: ${text}`);
    await page.waitForTimeout(2000);
  }
  await page.screenshot({ path: shot('session.png') });

  const opened = {};
  for (const app of apps) {
    run.stage = `app ${app.name}`;
    const dialog = page.getByRole('dialog').filter({ hasText: `App: ${session}` });
    if (!(await dialog.isVisible())) await row.getByRole('button', { name: 'See App Dialog' }).click();
    const popup = context.waitForEvent('page', { timeout: 60000 });
    await dialog.getByRole('button', { name: app.label, exact: true }).click();
    const win = await popup;
    win.on('pageerror', (e) => run.errors.push(`${app.name}: ${e}`));
    await app.ready(win);
    await win.screenshot({ path: shot(`app-${app.name}.png`) });
    opened[app.name] = { url: win.url(), title: await win.title() };
    await win.close();
    await page.bringToFront();
  }

  run.stage = 'terminate';
  await page.keyboard.press('Escape');
  await row.getByRole('button', { name: 'Terminate Session' }).click();
  await page.getByRole('dialog').last().getByRole('button', { name: /^Terminate$/ }).click();
  await row.waitFor({ state: 'detached', timeout: 120000 });

  return {
    session, apps: opened,
    screenshots: ['launcher.png', 'session.png', ...apps.map((a) => `app-${a.name}.png`)].map(shot),
  };
});
