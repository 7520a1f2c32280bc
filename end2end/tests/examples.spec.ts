// The README's quick start, as built: the two example apps in examples/ (the start-axum
// shape), each signed in with against the local Hosted UI, its protected page seen, and
// signed out from that page.

import type { Page } from '@playwright/test';

import { EXAMPLES, HOSTED_UI } from './env';
import { expect, test } from './fixtures';
import { expectSignInForm, submitSignInForm } from './helpers';

async function signInSeeProtectedSignOut(page: Page, origin: string) {
  await page.goto(`${origin}/`);
  await expect(page.getByRole('heading', { name: 'Welcome to Leptos!' })).toBeVisible();
  // The protected page sends a signed-out visitor to sign in, and back.
  await page.goto(`${origin}/protected`);
  await expectSignInForm(page, HOSTED_UI);
  await submitSignInForm(page, 'alice');
  await expect(page).toHaveURL(`${origin}/protected`);
  await expect(page.getByTestId('protected')).toHaveText('Signed in as alice@example.com');
  await expect(page.getByTestId('username')).toHaveText('alice');
  // The sign-out button sits in the line after the user's name, in both modes (the
  // server-session one is a form, a block box unless the kit makes it inline).
  const name = (await page.getByTestId('username').boundingBox())!;
  const button = (await page.getByRole('button', { name: 'Sign out' }).boundingBox())!;
  expect(Math.abs(button.y + button.height / 2 - (name.y + name.height / 2))).toBeLessThan(name.height);
  expect(button.x).toBeGreaterThan(name.x + name.width);
  // Sign out from the protected page: back on the home page, signed out.
  await page.getByRole('button', { name: 'Sign out' }).click();
  await expect(page).toHaveURL(`${origin}/`);
  await expect(page.getByRole('button', { name: 'Sign in' })).toBeVisible();
  await expect(page.getByTestId('username')).toHaveCount(0);
}

test('quick start, tokens in the browser (examples/browser-storage): sign in, the protected page, sign out', async ({ page }) => {
  await signInSeeProtectedSignOut(page, EXAMPLES.browserStorage);
});

test('quick start, server sessions (examples/server-sessions): sign in, the protected page, sign out', async ({ page }) => {
  await signInSeeProtectedSignOut(page, EXAMPLES.serverSessions);
  // The browser holds no token: only the HttpOnly session cookie.
  expect(await page.evaluate(() => document.cookie)).not.toMatch(/eyJ/);
});
