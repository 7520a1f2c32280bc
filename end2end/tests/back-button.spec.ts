// The user presses Back on the Hosted UI's sign-in page. Run with the back/forward cache
// on, as in a real browser (Playwright turns it off by default), so a page restored as it
// was left (with its "working" state) is tested too.

import { expect, test } from '@playwright/test';

import { chromiumWithBackForwardCache } from '../launch';
import { A, HOSTED_UI } from './env';
import { authError, expectSignInForm, keys, localStorageOf, openDemo, sessionState, signIn, signInButton } from './helpers';

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
