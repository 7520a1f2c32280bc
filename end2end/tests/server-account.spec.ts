// The account page of server sessions (demo instances J, K, L sharing a 3-master Redis
// Cluster): the user's sessions listed on the server and one ended from the list, with
// JavaScript disabled; then "sign out everywhere": Cognito's GlobalSignOut at the local
// Hosted UI, every session of the user ended on every instance, nothing of the user left in
// any node, and the browser sent through Cognito's /logout.

import { execFileSync } from 'node:child_process';

import type { Browser, BrowserContext, Page } from '@playwright/test';

import { CLUSTER, HOSTED_UI, REDIS } from './env';
import { expect, test } from './fixtures';
import { control, expectSignInForm, submitSignInForm } from './helpers';

/** A device: a browser context of its own, JavaScript off, signed in as alice on `url`. */
async function device(browser: Browser, url: string, name: string): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ javaScriptEnabled: false, userAgent: `e2e ${name}` });
  const page = await context.newPage();
  await page.goto(`${url}/account`);
  await expectSignInForm(page, HOSTED_UI);
  await submitSignInForm(page, 'alice');
  await expect(page).toHaveURL(`${url}/account`);
  await expect(page.getByTestId('account-page')).toBeVisible();
  return { context, page };
}

async function me(context: BrowserContext, url: string): Promise<number> {
  return (await context.request.get(`${url}/api/me`)).status();
}

/** Every key the kit keeps in the cluster for sessions and users, on every node. */
function sessionKeys(): string[] {
  return REDIS.ports.flatMap((port) =>
    execFileSync('redis-cli', ['-p', port, '--scan', '--pattern', 'leptos-cognito-auth:*'], { stdio: 'pipe' })
      .toString()
      .split('\n')
      .filter((k) => /:(session|user):/.test(k)),
  );
}

test('server sessions: the account page lists the sessions and ends one, and "sign out everywhere" ends them all (JavaScript off)', async ({
  browser,
  request,
}) => {
  const [laptop, tablet, phone] = [
    await device(browser, CLUSTER[0], 'laptop'),
    await device(browser, CLUSTER[1], 'tablet'),
    await device(browser, CLUSTER[2], 'phone'),
  ];
  // The laptop's list, rendered on the server: three sessions, its own marked.
  await laptop.page.goto(`${CLUSTER[0]}/account`);
  const rows = laptop.page.getByTestId('session-row');
  await expect(rows).toHaveCount(3);
  await expect(laptop.page.locator('[data-current="true"]')).toContainText('e2e laptop');

  // End the phone's session from the laptop: a form, no script.
  await laptop.page.getByTestId('session-row').filter({ hasText: 'e2e phone' }).getByTestId('revoke').click();
  await expect(laptop.page).toHaveURL(`${CLUSTER[0]}/account`);
  await expect(rows).toHaveCount(2);
  expect(await me(phone.context, CLUSTER[2])).toBe(401);
  expect(await me(tablet.context, CLUSTER[1])).toBe(200);

  // Sign out everywhere from the laptop.
  const before = await control.state(request);
  await laptop.page.getByRole('button', { name: 'Sign out everywhere' }).click();
  await expect(laptop.page).toHaveURL(`${CLUSTER[0]}/`);
  const after = await control.state(request);
  expect(after.global_sign_outs, "Cognito's GlobalSignOut").toBe(before.global_sign_outs + 1);
  for (const [d, url] of [[laptop, CLUSTER[0]], [tablet, CLUSTER[1]], [phone, CLUSTER[2]]] as const) {
    expect(await me(d.context, url), url).toBe(401);
  }
  // Nothing of alice is left in any node of the cluster.
  expect(sessionKeys()).toEqual([]);
  for (const d of [laptop, tablet, phone]) await d.context.close();
});
