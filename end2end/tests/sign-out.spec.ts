// Signing out from a page behind a route condition (browser storage, instance A): the page
// must leave for the Hosted UI's /logout and come back signed out, and never start a sign-in
// on the way (a route condition that saw "signed out" used to send the user to
// /oauth2/authorize, or sign them in again when /logout was cut off). /logout is slowed, so
// that a sign-in started meanwhile cannot hide behind the race, and each route is tried
// several times.

import { A, HOSTED_UI } from './env';
import { expect, test } from './fixtures';
import { kitKeys, localStorageOf, openDemo, sessionState, signIn, signOutAndReturn } from './helpers';

/** How long the Hosted UI's /logout is held back. */
const SLOW_LOGOUT_MS = 1_500;

/** Sign-out runs per route. */
const RUNS = 3;

const ROUTES = [
  { label: 'a route that requires sign-in', path: '/protected', content: 'claims' },
  { label: 'a group-guarded route', path: '/admin/groups', content: 'groups-page' },
];

for (const { label, path, content } of ROUTES) {
  test(`sign-out from ${label} lands on the sign-out URL, signed out, with no sign-in started`, async ({ page }) => {
    await page.route(`${HOSTED_UI}/logout**`, async (route) => {
      await new Promise((resolve) => setTimeout(resolve, SLOW_LOGOUT_MS));
      await route.continue();
    });
    await openDemo(page, A, '/', 'signed-out');
    for (let run = 1; run <= RUNS; run++) {
      await signIn(page, A, 'alice');
      await openDemo(page, A, path, 'signed-in');
      await expect(page.getByTestId(content)).toBeVisible();

      const requests: string[] = [];
      const record = (r: { url(): string }) => requests.push(r.url());
      page.on('request', record);
      await signOutAndReturn(page, A);
      // Time for a sign-in started late to show itself.
      await page.waitForTimeout(500);
      page.off('request', record);

      expect(requests.some((u) => u.startsWith(`${HOSTED_UI}/logout?`)), `run ${run}: /logout`).toBe(true);
      expect(
        requests.filter((u) => u.startsWith(`${HOSTED_UI}/oauth2/authorize`)),
        `run ${run}: no sign-in after the sign-out`,
      ).toEqual([]);
      await expect(page).toHaveURL(`${A.url}/`);
      await expect(sessionState(page)).toHaveText('signed-out');
      expect(kitKeys(await localStorageOf(page), A.clientId)).toEqual([]);
    }
  });
}
