// Cognito's updated issuer format (https://issuer-cognito-idp.<region>.amazonaws.com/<pool>),
// against a second cognito-local that issues it (instance I). The browser's configuration
// names only the user pool id, which stands for both formats; the demo server's verifier
// reads the pool's keys from the local Hosted UI (COGNITO_JWKS_URL) over HTTP.

import { I } from './env';
import { expect, test } from './fixtures';
import { jwtClaims, keys, localStorageOf, openDemo, signIn } from './helpers';

test('updated issuer format: the browser accepts the tokens and the server verifies them', async ({ page }) => {
  await openDemo(page, I, '/', 'signed-out');
  await signIn(page, I, 'alice');
  const storage = await localStorageOf(page);
  const idToken = storage[keys(I.clientId, 'alice').idToken];
  const accessToken = storage[keys(I.clientId, 'alice').accessToken];
  expect(jwtClaims(idToken).iss).toBe(I.issuer);
  expect(jwtClaims(accessToken).iss).toBe(I.issuer);
  // The server function verifies the access token against the JWKS served locally.
  await page.goto(`${I.url}/protected`);
  await expect(page.getByTestId('server-says')).toContainText('alice');
});
