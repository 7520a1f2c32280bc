// Drives the third-party server through Cognito's whole code + PKCE flow without a browser
// and checks that it speaks the way the kit expects: authorize -> sign-in page -> code ->
// token (ID, JWT access, refresh) with Cognito's claims -> refresh -> userInfo -> revoke ->
// /logout. Exits non-zero with a message on the first deviation.
//
//   node third-party/check-flow.mjs [http://localhost:9300]

import { createHash, createPublicKey, randomBytes, verify } from 'node:crypto';

const BASE = process.argv[2] ?? 'http://localhost:9300';
const ISSUER = `${BASE}/us-east-1_ThirdParty`;
const CLIENT_ID = 'third-party-spa-client';
const ORIGIN = 'http://localhost:3003';
const REDIRECT = `${ORIGIN}/callback`;

const jar = new Map();
function remember(res) {
  for (const line of res.headers.getSetCookie()) {
    const [pair] = line.split(';');
    const eq = pair.indexOf('=');
    const name = pair.slice(0, eq);
    const value = pair.slice(eq + 1);
    if (/expires=Thu, 01 Jan 1970/i.test(line) || value === '') jar.delete(name);
    else jar.set(name, value);
  }
}
function cookieHeader() {
  return [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
}
async function go(url, init = {}) {
  const res = await fetch(new URL(url, BASE), {
    redirect: 'manual',
    ...init,
    headers: { cookie: cookieHeader(), ...(init.headers ?? {}) },
  });
  remember(res);
  return res;
}
function fail(message) {
  console.error(`FAIL: ${message}`);
  process.exit(1);
}
function expect(cond, message) {
  if (!cond) fail(message);
}
function claims(jwt) {
  const parts = jwt.split('.');
  expect(parts.length === 3, `not a JWT: ${jwt.slice(0, 20)}`);
  return {
    header: JSON.parse(Buffer.from(parts[0], 'base64url')),
    payload: JSON.parse(Buffer.from(parts[1], 'base64url')),
  };
}
const b64 = (buf) => Buffer.from(buf).toString('base64url');

const verifier = b64(randomBytes(32));
const challenge = b64(createHash('sha256').update(verifier).digest());
const state = b64(randomBytes(32));
const nonce = b64(randomBytes(32));
const scope = 'openid email profile phone aws.cognito.signin.user.admin';

// Without PKCE: refused.
{
  const q = new URLSearchParams({ response_type: 'code', client_id: CLIENT_ID, redirect_uri: REDIRECT, state, scope });
  const res = await go(`/oauth2/authorize?${q}`);
  const loc = res.headers.get('location') ?? '';
  expect(res.status === 303 || res.status === 302, `authorize without PKCE: status ${res.status}`);
  expect(/error=invalid_request/.test(loc) && /PKCE/.test(decodeURIComponent(loc)), `authorize without PKCE must be refused, got ${loc}`);
}

const authorize = new URLSearchParams({
  response_type: 'code', client_id: CLIENT_ID, redirect_uri: REDIRECT, state, nonce, scope,
  code_challenge: challenge, code_challenge_method: 'S256',
});
let res = await go(`/oauth2/authorize?${authorize}`);
let loc = res.headers.get('location');
expect(loc?.startsWith('/interaction/'), `authorize should send to the sign-in page, got ${res.status} ${loc}`);
res = await go(loc);
const html = await res.text();
expect(res.status === 200 && /<label for="username">Username<\/label>/.test(html) && /<button type="submit">Sign in<\/button>/.test(html), 'sign-in page');
const action = html.match(/action="([^"]+)"/)[1];

// Wrong password: the form again with Cognito's message.
res = await go(action, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'username=alice&password=nope' });
expect(res.status === 200 && /Incorrect username or password\./.test(await res.text()), 'wrong password message');

res = await go(action, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'username=alice&password=Passw0rd!' });
loc = res.headers.get('location');
expect(res.status === 303 && loc, `login should redirect, got ${res.status}`);
// Follow the redirect chain back to the callback.
for (let i = 0; i < 5 && !loc.startsWith(REDIRECT); i++) {
  res = await go(loc);
  loc = res.headers.get('location');
  expect(loc, `redirect chain broke at step ${i}: ${res.status} ${await res.text()}`);
}
const callback = new URL(loc);
expect(callback.origin + callback.pathname === REDIRECT, `callback ${loc}`);
expect(!callback.hash, 'code comes in the query, never the fragment');
expect(callback.searchParams.get('state') === state, 'state echoed');
const code = callback.searchParams.get('code');
expect(code, `no code in ${loc}`);

// Token: wrong verifier refused, then the right one.
const tokenHeaders = { 'content-type': 'application/x-www-form-urlencoded', origin: ORIGIN };
res = await go('/oauth2/token', { method: 'POST', headers: tokenHeaders, body: new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: REDIRECT, client_id: CLIENT_ID, code_verifier: b64(randomBytes(32)) }) });
expect(res.status === 400 && (await res.json()).error === 'invalid_grant', 'wrong PKCE verifier must be invalid_grant');

// The first failed attempt consumed the code (oidc-provider), so authorize again silently
// (the session is on): this also proves the Hosted UI session skips the form.
res = await go(`/oauth2/authorize?${authorize}`);
loc = res.headers.get('location');
for (let i = 0; i < 5 && !loc.startsWith(REDIRECT); i++) {
  res = await go(loc);
  loc = res.headers.get('location');
}
const code2 = new URL(loc).searchParams.get('code');
expect(code2, 'silent re-authorize within the session gives a code');

const t0 = performance.now();
res = await go('/oauth2/token', { method: 'POST', headers: tokenHeaders, body: new URLSearchParams({ grant_type: 'authorization_code', code: code2, redirect_uri: REDIRECT, client_id: CLIENT_ID, code_verifier: verifier }) });
const tokens = await res.json();
expect(res.status === 200, `token: ${res.status} ${JSON.stringify(tokens)}`);
expect(res.headers.get('access-control-allow-origin') === ORIGIN, 'CORS for the app origin on /oauth2/token');
expect(tokens.token_type === 'Bearer' && tokens.expires_in > 0, 'token_type/expires_in');
expect(tokens.id_token && tokens.access_token && tokens.refresh_token, 'id, access and refresh tokens');
const id = claims(tokens.id_token);
const at = claims(tokens.access_token);
console.log(`ID token ${JSON.stringify(id.header)} ${JSON.stringify(id.payload)}`);
console.log(`access token ${JSON.stringify(at.header)} ${JSON.stringify(at.payload)}`);
expect(id.header.alg === 'RS256' && at.header.alg === 'RS256', 'RS256');
expect(id.header.kid !== at.header.kid, 'ID and access tokens signed with different keys');
expect(id.payload.iss === ISSUER && at.payload.iss === ISSUER, 'iss');
expect(id.payload.token_use === 'id', 'ID token_use');
expect(id.payload.aud === CLIENT_ID, 'ID aud');
expect(id.payload.nonce === nonce, 'nonce');
expect(id.payload['cognito:username'] === 'alice', 'cognito:username');
expect(JSON.stringify(id.payload['cognito:groups']) === '["admin"]', 'ID cognito:groups');
expect(id.payload.email === 'alice@example.com', 'email in the ID token');
expect(at.payload.token_use === 'access', 'access token_use');
expect(at.payload.client_id === CLIENT_ID, 'access client_id');
expect(at.payload.username === 'alice', 'access username');
expect(at.payload.scope === scope, `access scope "${at.payload.scope}"`);
expect(id.payload.sub === at.payload.sub, 'same sub');

// JWKS under the issuer path lists both keys; discovery too.
res = await go(`${ISSUER}/.well-known/jwks.json`);
const jwks = await res.json();
expect(jwks.keys.some((k) => k.kid === id.header.kid) && jwks.keys.some((k) => k.kid === at.header.kid), 'JWKS lists both keys');
expect(jwks.keys.every((k) => !k.d), 'JWKS has no private parts');
for (const jwt of [tokens.id_token, tokens.access_token]) {
  const [h, p, sig] = jwt.split('.');
  const { kid } = JSON.parse(Buffer.from(h, 'base64url'));
  const key = createPublicKey({ key: jwks.keys.find((k) => k.kid === kid), format: 'jwk' });
  expect(verify('RSA-SHA256', Buffer.from(`${h}.${p}`), key, Buffer.from(sig, 'base64url')), `signature of the token signed by ${kid}`);
}
res = await go(`${ISSUER}/.well-known/openid-configuration`);
const discovery = await res.json();
expect(discovery.issuer === ISSUER && discovery.token_endpoint === `${BASE}/oauth2/token` && discovery.authorization_endpoint === `${BASE}/oauth2/authorize`, `discovery ${JSON.stringify(discovery).slice(0, 300)}`);

// Refresh: new ID and access tokens, no new refresh token (no rotation).
res = await go('/oauth2/token', { method: 'POST', headers: tokenHeaders, body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: tokens.refresh_token, client_id: CLIENT_ID }) });
const refreshed = await res.json();
expect(res.status === 200 && refreshed.access_token && refreshed.id_token, `refresh: ${res.status} ${JSON.stringify(refreshed)}`);
expect(!refreshed.refresh_token || refreshed.refresh_token === tokens.refresh_token, 'no rotation');
const rid = claims(refreshed.id_token).payload;
const rat = claims(refreshed.access_token).payload;
expect(rid.token_use === 'id' && rid['cognito:username'] === 'alice' && rid.aud === CLIENT_ID, 'refreshed ID token claims');
expect(rat.token_use === 'access' && rat.client_id === CLIENT_ID && rat.username === 'alice', 'refreshed access token claims');

// userInfo takes the access token, as Cognito's does; a tampered one is refused.
res = await go('/oauth2/userInfo', { headers: { authorization: `Bearer ${tokens.access_token}`, origin: ORIGIN } });
const info = await res.json();
expect(res.status === 200 && info.username === 'alice' && info.email === 'alice@example.com', `userInfo: ${res.status} ${JSON.stringify(info)}`);
res = await go('/oauth2/userInfo', { headers: { authorization: `Bearer ${tokens.access_token.slice(0, -4)}AAAA` } });
expect(res.status === 401 && /invalid_token/.test(res.headers.get('www-authenticate')), `tampered token at userInfo: ${res.status}`);

// Revoke the refresh token: a refresh then fails with invalid_grant.
res = await go('/oauth2/revoke', { method: 'POST', headers: tokenHeaders, body: new URLSearchParams({ token: tokens.refresh_token, client_id: CLIENT_ID }) });
expect(res.status === 200, `revoke: ${res.status}`);
expect(res.headers.get('access-control-allow-origin') === ORIGIN, 'CORS for the app origin on /oauth2/revoke');
res = await go('/oauth2/token', { method: 'POST', headers: tokenHeaders, body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: tokens.refresh_token, client_id: CLIENT_ID }) });
expect(res.status === 400 && (await res.json()).error === 'invalid_grant', 'revoked refresh token is invalid_grant');

// /logout: bad logout_uri refused; the right one ends the session and 302s back.
res = await go(`/logout?client_id=${CLIENT_ID}&logout_uri=${encodeURIComponent('https://evil.example/')}`);
expect(res.status === 400, `unregistered logout_uri: ${res.status}`);
res = await go(`/logout?client_id=${CLIENT_ID}&logout_uri=${encodeURIComponent(`${ORIGIN}/`)}`);
expect(res.status === 302 && res.headers.get('location') === `${ORIGIN}/`, `logout: ${res.status} ${res.headers.get('location')}`);
res = await go(`/oauth2/authorize?${authorize}`);
loc = res.headers.get('location');
expect(loc?.startsWith('/interaction/'), `after /logout the sign-in page must be shown again, got ${loc}`);
res = await go(loc);
expect(/Sign in<\/button>/.test(await res.text()), 'sign-in form after logout');

console.log(`OK: code + PKCE flow, Cognito claims, refresh, revoke, logout (token call ${Math.round(performance.now() - t0)} ms)`);
