// The user presses Back on the Hosted UI's sign-in page. Run with the back/forward cache
// on, as in a real browser (Playwright turns it off by default), so a page restored as it
// was left (with its "working" state) is tested too.

import { expect, test } from '@playwright/test';

import { chromiumWithBackForwardCache } from '../launch';
import { A, HOSTED_UI } from './env';
import { authError, expectSignInForm, keys, localStorageOf, openDemo, sessionState, signIn, signInButton, signOutAndReturn } from './helpers';

test.use({ launchOptions: chromiumWithBackForwardCache });

test('back button on the sign-in page returns to a usable, signed-out app', async ({ page }) => {
  // Notes whether Back restores the page from the back/forward cache (signals as left).
  await page.addInitScript(() => {
    window.addEventListener('pageshow', (e) => {
      (window as unknown as { restoredFromCache: boolean }).restoredFromCache = e.persisted;
    });
  });
  await openDemo(page, A, '/', 'signed-out');
  await signInButton(page).click();
  await expectSignInForm(page, HOSTED_UI);

  // 'commit': a page restored from the cache fires no load event.
  await page.goBack({ waitUntil: 'commit' });
  await expect(page).toHaveURL(`${A.url}/`);
  const restored = await page.evaluate(() => (window as unknown as { restoredFromCache?: boolean }).restoredFromCache);
  const how = restored ? 'page restored from the back/forward cache' : 'page loaded again';
  test.info().annotations.push({ type: 'back/forward cache', description: how });
  console.log(`back button: ${how}`);
  await expect(sessionState(page)).toHaveText('signed-out');
  await expect(authError(page)).toHaveCount(0);
  // Not stuck in "working": the button works again (also after a back/forward cache restore).
  await expect(signInButton(page)).toBeEnabled();
  expect((await localStorageOf(page))[keys(A.clientId).lastAuthUser]).toBeUndefined();

  await signIn(page, A, 'alice');
  await expect(page).toHaveURL(`${A.url}/`);
});

// Signed out from a protected page, the user presses Back. A page restored from the
// back/forward cache was left mid sign-out: its route condition must not keep waiting for
// that sign-out, but ask for a sign-in as a protected page does when signed out.
test('back to a protected page after signing out from it asks for a sign-in again', async ({ page }) => {
  // Told from the page as it happens: the restored page leaves for the Hosted UI at once.
  let restored = false;
  await page.exposeFunction('notePageShow', (persisted: boolean) => {
    restored ||= persisted;
  });
  await page.addInitScript(() => {
    window.addEventListener('pageshow', (e) => {
      (window as unknown as { notePageShow(persisted: boolean): void }).notePageShow(e.persisted);
    });
  });
  await openDemo(page, A, '/', 'signed-out');
  await signIn(page, A, 'alice');
  await openDemo(page, A, '/protected', 'signed-in');
  await expect(page.getByTestId('claims')).toBeVisible();
  await signOutAndReturn(page, A);
  await expect(sessionState(page)).toHaveText('signed-out');

  await page.goBack({ waitUntil: 'commit' });
  await expectSignInForm(page, HOSTED_UI);
  expect(restored, 'Back restored the protected page from the back/forward cache').toBe(true);
});
