// Machine to machine (instance A): the home page's button asks the demo server to get its
// own access token from the local Hosted UI (the client_credentials grant, client
// local-m2m-client) and to call its scope-protected /api/m2m/report with it; the page shows
// the report's answer. Without that token the report refuses.

import { expect, test } from './fixtures';

import { A } from './env';
import { openDemo } from './helpers';

test('the server calls its scope-protected API with a machine-to-machine token', async ({ page, request }) => {
  await openDemo(page, A, '/', 'signed-out');
  await page.getByTestId('m2m-call').click();
  const result = page.getByTestId('m2m-result');
  await expect(result).toContainText('the scope-protected report, for local-m2m-client');
  await expect(result).toContainText('scopes: local-api/read');
  await expect(page.getByTestId('m2m-error')).toHaveCount(0);

  // The same call again: the server reuses its cached token (no second token request).
  const again = await request.get(`${A.url}/api/m2m/demo`);
  expect(again.status()).toBe(200);
  const body = await again.json();
  expect(body.answer).toMatchObject({ client_id: 'local-m2m-client', machine: true, scopes: ['local-api/read'] });
  expect(body.token_requests).toBe(1);

  // The report itself wants a bearer token of the machine client with the scope.
  const anonymous = await request.get(`${A.url}/api/m2m/report`);
  expect(anonymous.status()).toBe(401);
  expect(anonymous.headers()['www-authenticate']).toBe('Bearer');
});
