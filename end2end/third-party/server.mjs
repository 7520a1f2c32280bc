// A third-party OAuth 2.0 / OpenID Connect server configured the Cognito way, so the kit is
// proven against an implementation that does not share code (or mistakes) with cognito-local.
//
// It is npm `oidc-provider` (panva) with:
// - its routes at Cognito's paths: /oauth2/authorize, /oauth2/token, /oauth2/userInfo,
//   /oauth2/revoke, and the JWKS and discovery document under the issuer's path
//   (<issuer>/.well-known/jwks.json, <issuer>/.well-known/openid-configuration);
// - PKCE (S256 only) required, public client authenticating with `client_id` in the body;
// - JWT access tokens carrying Cognito's claims (token_use "access", client_id, username,
//   scope, cognito:groups) and ID tokens with token_use "id", cognito:username,
//   cognito:groups, email, aud = client id and the nonce;
// - a refresh token on every code grant (no offline_access needed) and no rotation;
// - a tiny sign-in page (labelled "Username" / "Password", a "Sign in" button);
// - a shim for Cognito's /oauth2/userInfo, which accepts the (JWT) access token itself;
// - a shim for Cognito's GET /logout?client_id=&logout_uri= (ends the session, 302 to the
//   registered logout_uri), which OpenID Connect's RP-initiated logout does not provide.
//
// Development server only: keys are generated at start, state lives in memory.
//
//   node third-party/server.mjs [--port 9300]
//   env: THIRD_PARTY_PORT, THIRD_PARTY_CLIENT_ID, THIRD_PARTY_APP_ORIGIN, THIRD_PARTY_TOKEN_TTL_SECS

import { createPublicKey, generateKeyPairSync, randomBytes, verify } from 'node:crypto';
import { parseArgs } from 'node:util';

import express from 'express';
import Provider from 'oidc-provider';

const { values: args } = parseArgs({
  options: { port: { type: 'string' }, host: { type: 'string' } },
});

const HOST = args.host ?? '127.0.0.1';
const PORT = Number(args.port ?? process.env.THIRD_PARTY_PORT ?? 9300);
const BASE = `http://localhost:${PORT}`;
export const POOL_ID = 'us-east-1_ThirdParty';
const ISSUER = `${BASE}/${POOL_ID}`;
const CLIENT_ID = process.env.THIRD_PARTY_CLIENT_ID ?? 'third-party-spa-client';
const APP_ORIGIN = process.env.THIRD_PARTY_APP_ORIGIN ?? 'http://localhost:3003';
const CALLBACK_URL = `${APP_ORIGIN}/callback`;
const LOGOUT_URL = `${APP_ORIGIN}/`;
// The resource server the access tokens are for. Cognito's access tokens have no `aud`;
// oidc-provider's JWT access tokens must have one, so they carry this identifier.
const RESOURCE = `${BASE}/cognito-user-pool`;
const SCOPES = ['openid', 'email', 'profile', 'phone', 'aws.cognito.signin.user.admin'];
// How long ID and access tokens live (THIRD_PARTY_TOKEN_TTL_SECS; an hour, Cognito's default).
const TOKEN_TTL_SECS = Number(process.env.THIRD_PARTY_TOKEN_TTL_SECS ?? 3600);

const USERS = new Map([
  ['alice', { password: 'Passw0rd!', sub: '5f0c1d2e-0000-4000-8000-00000000a11c', email: 'alice@example.com', name: 'Alice Example', groups: ['admin'] }],
  ['bob', { password: 'Passw0rd!', sub: '5f0c1d2e-0000-4000-8000-000000000b0b', email: 'bob@example.com', name: 'Bob Example', groups: [] }],
]);

function userBySub(sub) {
  for (const [username, user] of USERS) {
    if (user.sub === sub) return { username, ...user };
  }
  return undefined;
}

// RS256 signing keys, one for ID tokens and one for access tokens, as in Cognito.
function rsaJwk(kid) {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { ...privateKey.export({ format: 'jwk' }), kid, alg: 'RS256', use: 'sig' };
}
const ID_KEY = rsaJwk('third-party-id-key');
const ACCESS_KEY = rsaJwk('third-party-access-key');

const configuration = {
  clients: [
    {
      client_id: CLIENT_ID,
      token_endpoint_auth_method: 'none',
      redirect_uris: [CALLBACK_URL],
      post_logout_redirect_uris: [LOGOUT_URL],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      scope: SCOPES.join(' '),
      id_token_signed_response_alg: 'RS256',
    },
  ],
  jwks: { keys: [ID_KEY, ACCESS_KEY] },
  cookies: { keys: [randomBytes(32).toString('base64url')] },
  routes: {
    authorization: '/oauth2/authorize',
    token: '/oauth2/token',
    userinfo: '/oauth2/userInfo',
    revocation: '/oauth2/revoke',
    jwks: `/${POOL_ID}/.well-known/jwks.json`,
    end_session: '/oidc/session/end',
  },
  scopes: SCOPES,
  claims: {
    // `token_use` and the Cognito claims are produced only for the ID token (see
    // findAccount); the mapping lets them through the scope filter.
    openid: ['sub', 'token_use', 'cognito:username', 'cognito:groups'],
    email: ['email', 'email_verified'],
    profile: ['name'],
    phone: ['phone_number', 'phone_number_verified'],
  },
  // Cognito puts the scope claims in the ID token even when an access token is issued.
  conformIdTokenClaims: false,
  pkce: { required: () => true },
  features: {
    devInteractions: { enabled: false },
    revocation: { enabled: true },
    userinfo: { enabled: true },
    resourceIndicators: {
      enabled: true,
      defaultResource: () => RESOURCE,
      useGrantedResource: () => true,
      getResourceServerInfo: (_ctx, resource) => {
        if (resource !== RESOURCE) throw new Provider.errors.InvalidTarget();
        return {
          scope: 'aws.cognito.signin.user.admin',
          audience: RESOURCE,
          accessTokenTTL: TOKEN_TTL_SECS,
          accessTokenFormat: 'jwt',
          jwt: { sign: { alg: 'RS256', kid: ACCESS_KEY.kid } },
        };
      },
    },
  },
  ttl: {
    AccessToken: TOKEN_TTL_SECS,
    IdToken: TOKEN_TTL_SECS,
    AuthorizationCode: 300,
    RefreshToken: 30 * 24 * 3600,
    Grant: 30 * 24 * 3600,
    Interaction: 600,
    Session: 3600,
  },
  // Cognito: a refresh token on every code grant, no rotation unless configured, and
  // tokens outlive the Hosted UI session (signing out there does not revoke them).
  issueRefreshToken: (_ctx, client) => client.grantTypeAllowed('refresh_token'),
  rotateRefreshToken: () => false,
  expiresWithSession: () => false,
  clientBasedCORS: (_ctx, origin) => origin === APP_ORIGIN,
  // Access tokens: Cognito's claims.
  extraTokenClaims: (_ctx, token) => {
    const user = userBySub(token.accountId);
    if (!user) return undefined;
    return {
      token_use: 'access',
      username: user.username,
      'cognito:groups': user.groups.length ? user.groups : undefined,
    };
  },
  formats: {
    customizers: {
      // Cognito's access token `scope` lists every granted scope (OpenID ones included),
      // not only the resource server's.
      jwt: (_ctx, token, jwt) => {
        const granted = grantedScopes.get(token.grantId);
        if (granted) jwt.payload.scope = granted;
      },
    },
  },
  // First-party client: no consent screen; every requested scope is granted.
  loadExistingGrant: async (ctx) => {
    const { client, session } = ctx.oidc;
    const existing = ctx.oidc.result?.consent?.grantId || session.grantIdFor(client.clientId);
    const requested = [...ctx.oidc.requestParamScopes].filter((s) => SCOPES.includes(s));
    const grant = existing
      ? await ctx.oidc.provider.Grant.find(existing)
      : new ctx.oidc.provider.Grant({ clientId: client.clientId, accountId: session.accountId });
    if (!grant) return undefined;
    grant.addOIDCScope(requested.join(' '));
    if (requested.includes('aws.cognito.signin.user.admin')) {
      grant.addResourceScope(RESOURCE, 'aws.cognito.signin.user.admin');
    }
    const grantId = await grant.save();
    grantedScopes.set(grantId, requested.join(' '));
    session.grantIdFor(client.clientId, grantId);
    return grant;
  },
  findAccount: (_ctx, sub) => {
    const user = userBySub(sub);
    if (!user) return undefined;
    return {
      accountId: sub,
      claims: (use) => ({
        sub,
        ...(use === 'id_token'
          ? { token_use: 'id', 'cognito:username': user.username, 'cognito:groups': user.groups.length ? user.groups : undefined }
          : { username: user.username }),
        email: user.email,
        email_verified: true,
        name: user.name,
      }),
    };
  },
  interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
  renderError: (ctx, out) => {
    ctx.type = 'html';
    ctx.body = page('Error', `<h1>Something went wrong</h1><p role="alert">${escape(out.error)}: ${escape(out.error_description ?? '')}</p>`);
  },
};

// The space-separated scopes granted per grant id (for the access token's `scope`).
const grantedScopes = new Map();

function escape(text) {
  return String(text).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]);
}

function page(title, body) {
  return `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>${escape(title)} · third-party OAuth server</title>
<style>body{font:16px system-ui,sans-serif;max-width:24rem;margin:3rem auto}label{display:block;margin-top:1rem}input{width:100%;padding:.4rem}button{margin-top:1rem;padding:.5rem 1rem}.error{color:#b00}</style></head>
<body><p>Third-party OAuth server (oidc-provider) configured the Cognito way — development only.</p><main>${body}</main></body></html>`;
}

function loginPage(uid, error, username = '') {
  return page('Sign in', `<h1>Sign in</h1>${error ? `<p class="error" role="alert">${escape(error)}</p>` : ''}
<form method="post" action="/interaction/${escape(uid)}/login">
<label for="username">Username</label><input id="username" name="username" autocomplete="username" required value="${escape(username)}">
<label for="password">Password</label><input id="password" name="password" type="password" autocomplete="current-password" required>
<button type="submit">Sign in</button></form>`);
}

const provider = new Provider(ISSUER, configuration);
provider.proxy = false;

const app = express();
app.disable('x-powered-by');

app.get('/interaction/:uid', async (req, res, next) => {
  try {
    const details = await provider.interactionDetails(req, res);
    if (details.prompt.name === 'login') {
      res.set('Cache-Control', 'no-store').type('html').send(loginPage(details.uid));
      return;
    }
    // Any other prompt (consent): granted by loadExistingGrant; finish without a screen.
    await provider.interactionFinished(req, res, {}, { mergeWithLastSubmission: true });
  } catch (e) {
    next(e);
  }
});

app.post('/interaction/:uid/login', express.urlencoded({ extended: false }), async (req, res, next) => {
  try {
    const details = await provider.interactionDetails(req, res);
    const username = String(req.body?.username ?? '').toLowerCase();
    const user = USERS.get(username);
    if (!user || user.password !== req.body?.password) {
      res.status(200).type('html').send(loginPage(details.uid, 'Incorrect username or password.', req.body?.username ?? ''));
      return;
    }
    await provider.interactionFinished(req, res, { login: { accountId: user.sub } }, { mergeWithLastSubmission: false });
  } catch (e) {
    next(e);
  }
});

// Cognito's /logout: `client_id` + a registered `logout_uri` -> end the session, 302 there.
app.get('/logout', async (req, res, next) => {
  try {
    const clientId = req.query.client_id;
    const logoutUri = req.query.logout_uri;
    const client = typeof clientId === 'string' ? await provider.Client.find(clientId) : undefined;
    if (!client) {
      res.status(400).type('html').send(page('Error', '<p role="alert">Required String parameter \'client_id\' is not present or unknown</p>'));
      return;
    }
    if (typeof logoutUri !== 'string' || !client.postLogoutRedirectUris.includes(logoutUri)) {
      res.status(400).type('html').send(page('Error', '<p role="alert">Invalid logout_uri</p>'));
      return;
    }
    const ctx = provider.createContext(req, res);
    const session = await provider.Session.get(ctx);
    if (session) await session.destroy();
    for (const name of ['_session', '_session.sig', '_session.legacy', '_session.legacy.sig']) {
      res.clearCookie(name, { path: '/' });
    }
    res.set('Cache-Control', 'no-store').redirect(302, logoutUri);
  } catch (e) {
    next(e);
  }
});

// Cognito's userInfo takes the access token (oidc-provider's own userinfo refuses tokens
// issued for a resource server): check it and answer with the user's attributes.
const ACCESS_PUBLIC_KEY = createPublicKey({ key: { kty: ACCESS_KEY.kty, n: ACCESS_KEY.n, e: ACCESS_KEY.e }, format: 'jwk' });

function checkAccessToken(header) {
  const match = /^Bearer ([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]+)$/.exec(header ?? '');
  if (!match) return { error: 'invalid_request', status: 400 };
  const [, h, p, sig] = match;
  try {
    const head = JSON.parse(Buffer.from(h, 'base64url'));
    const claims = JSON.parse(Buffer.from(p, 'base64url'));
    const good = head.alg === 'RS256'
      && head.kid === ACCESS_KEY.kid
      && verify('RSA-SHA256', Buffer.from(`${h}.${p}`), ACCESS_PUBLIC_KEY, Buffer.from(sig, 'base64url'))
      && claims.iss === ISSUER
      && claims.token_use === 'access'
      && claims.exp > Date.now() / 1000
      && String(claims.scope ?? '').split(' ').includes('openid');
    return good ? { claims } : { error: 'invalid_token', status: 401 };
  } catch {
    return { error: 'invalid_token', status: 401 };
  }
}

function cors(req, res) {
  if (req.get('origin') === APP_ORIGIN) {
    res.set('Access-Control-Allow-Origin', APP_ORIGIN);
    res.set('Vary', 'Origin');
  }
}

app.options('/oauth2/userInfo', (req, res) => {
  cors(req, res);
  res.set('Access-Control-Allow-Methods', 'GET, POST');
  res.set('Access-Control-Allow-Headers', 'Authorization');
  res.status(204).end();
});

app.all('/oauth2/userInfo', (req, res) => {
  cors(req, res);
  const checked = checkAccessToken(req.get('authorization'));
  if (checked.error) {
    res.set('WWW-Authenticate', `Bearer error="${checked.error}", error_description="Access token is missing or invalid"`);
    res.status(checked.status).json({ error: checked.error, error_description: 'Access token is missing or invalid' });
    return;
  }
  const user = userBySub(checked.claims.sub);
  if (!user) {
    res.status(401).json({ error: 'invalid_token' });
    return;
  }
  res.json({ sub: user.sub, username: user.username, email: user.email, email_verified: 'true', name: user.name });
});

// Discovery under the issuer's path, as Cognito serves it.
app.get(`/${POOL_ID}/.well-known/openid-configuration`, (req, _res, next) => {
  req.url = '/.well-known/openid-configuration';
  req.originalUrl = req.url;
  next();
});

app.get('/healthz', (_req, res) => {
  res.type('text').send('ok');
});

app.use(provider.callback());

app.listen(PORT, HOST, (err) => {
  if (err) {
    console.error(`third-party OAuth server: cannot listen on ${HOST}:${PORT}: ${err.message}`);
    process.exit(1);
  }
  console.log(`third-party OAuth server (oidc-provider, Cognito paths) on http://${HOST}:${PORT}`);
  console.log(`  domain ${BASE}  issuer ${ISSUER}  client ${CLIENT_ID}  callback ${CALLBACK_URL}  sign-out ${LOGOUT_URL}  tokens ${TOKEN_TTL_SECS} s`);
});

for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => process.exit(0));
}
