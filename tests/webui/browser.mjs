// What every Web UI check shares: Debian's Chromium driven by playwright-core, the
// superadmin's login, and a failure report that names the stage it stopped at.
import { chromium } from 'playwright-core';

// launch starts the browser. As root, in a network with nothing outside: no sandbox, and
// none of Chromium's own background connections (they are refused here, many at a time).
// A CA the check trusts is in $HOME/.pki/nssdb, where Chromium on Linux reads it.
export async function launch() {
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'],
  });
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
  return { browser, context };
}

// credentials are the superadmin's, from the environment (never on a command line).
export function credentials(usage) {
  const { WEBUI_EMAIL: email, WEBUI_PASSWORD: password } = process.env;
  if (!email || !password) {
    console.error(`usage: WEBUI_EMAIL=... WEBUI_PASSWORD=... ${usage}`);
    process.exit(2);
  }
  return { email, password };
}

// login opens url and logs in; it returns once the app's navigation shows. It sets
// run.stage as it goes: page, form, login, start.
export async function login(run, page, url, { email, password }) {
  run.stage = 'page';
  await page.goto(url, { waitUntil: 'domcontentloaded', timeout: 60000 });
  run.stage = 'form';
  const user = page.locator('input[type=email], input[autocomplete=username], input[autocomplete=email], #id_user_id, input[name=email], input[name=username]').first();
  await user.waitFor({ state: 'visible', timeout: 90000 });
  await user.fill(email);
  const pass = page.locator('input[type=password]').first();
  await pass.fill(password);
  run.stage = 'login';
  const button = page.getByRole('button', { name: /^(log ?in|sign ?in)$/i }).first();
  if (await button.count()) await button.click();
  else await pass.press('Enter');
  run.stage = 'start';
  // Logged in: the password field is hidden (the form stays in the page) and the app's
  // navigation shows its Dashboard entry.
  await pass.waitFor({ state: 'hidden', timeout: 90000 });
  await page.getByRole('navigation').getByText('Dashboard', { exact: true }).first().waitFor({ state: 'visible', timeout: 90000 });
}

// check runs fn(run, page, context) in a fresh browser and prints what it returns as
// JSON; on failure it prints the stage, the page's address, text and errors, and saves
// a screenshot of the page to failureShot.
export async function check(failureShot, fn) {
  const started = Date.now();
  const run = { stage: 'launch', page: null, errors: [] };
  const { browser, context } = await launch();
  try {
    run.page = await context.newPage();
    run.page.on('pageerror', (e) => run.errors.push(String(e)));
    const result = await fn(run, run.page, context);
    console.log(JSON.stringify({ ...result, seconds: (Date.now() - started) / 1000 }));
  } catch (e) {
    const page = run.page;
    await page?.screenshot({ path: failureShot }).catch(() => {});
    const text = (await page?.locator('body').innerText().catch(() => '') || '').replace(/\s+/g, ' ').slice(0, 600);
    console.error(`webui: ${run.stage}: ${e.message.split('\n')[0]}\n  page: ${page?.url()}\n  text: ${text}\n  errors: ${run.errors.slice(0, 3).join(' | ')}\n  screenshot: ${failureShot}`);
    process.exitCode = 1;
  } finally {
    await browser.close();
  }
}
