// A real OpenID provider (the certified `oidc-provider` package) on loopback,
// for Comment Desk's sign-in tests. It is started by the Rust harness in
// tests/api/provider.rs:
//
//   node tests/provider/server.mjs --port P --config FILE
//
// FILE is JSON: {"clients": [{client_id, client_secret, redirect_uris,
// token_endpoint_auth_method?}], "keys": PATH}. PATH holds the signing keys
// (a private JWKS); it is created with one fresh RS256 key when missing, so
// a restart on the same file keeps the keys and a restart after the file was
// removed is a key rotation.
//
// When it listens it prints one line to stdout, {"issuer":"http://127.0.0.1:PORT"},
// and nothing else: every log line goes to stderr.

import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { parseArgs } from 'node:util';

import * as jose from 'jose';
import Provider from 'oidc-provider';

// oidc-provider prints its notices with console.info; stdout is only for the issuer line.
console.info = console.error;
console.log = console.error;

const HOUR = 3600;

const { values: args } = parseArgs({
  options: { port: { type: 'string' }, config: { type: 'string' } },
});
if (args.port === undefined || args.config === undefined) {
  console.error('usage: node server.mjs --port P --config FILE');
  process.exit(2);
}
const config = JSON.parse(await readFile(args.config, 'utf8'));
const jwks = await loadOrCreateKeys(config.keys);

// ---- keys ----

async function loadOrCreateKeys(path) {
  try {
    return JSON.parse(await readFile(path, 'utf8'));
  } catch (error) {
    if (error.code !== 'ENOENT') throw error;
  }
  const keys = { keys: [await newSigningKey()] };
  await writeFile(path, JSON.stringify(keys, null, 2));
  return keys;
}

/** A fresh RS256 private JWK whose `kid` is its thumbprint. */
async function newSigningKey() {
  const { privateKey } = await jose.generateKeyPair('RS256', { extractable: true });
  const jwk = await jose.exportJWK(privateKey);
  return { ...jwk, kid: await jose.calculateJwkThumbprint(jwk), alg: 'RS256', use: 'sig' };
}

// ---- accounts: any login exists; the login form sets its name and email_verified ----

const accounts = new Map();

function nameFrom(login) {
  return login.charAt(0).toUpperCase() + login.slice(1);
}

function profileOf(login) {
  const known = accounts.get(login) ?? { name: nameFrom(login), emailVerified: false };
  return {
    sub: login,
    name: known.name,
    email: `${login}@example.test`,
    email_verified: known.emailVerified,
  };
}

async function findAccount(ctx, sub) {
  return { accountId: sub, claims: async () => profileOf(sub) };
}

// ---- the provider ----

function startProvider(issuer) {
  const provider = new Provider(issuer, {
    clients: config.clients.map((client) => ({
      ...client,
      grant_types: ['authorization_code'],
      response_types: ['code'],
    })),
    jwks,
    findAccount,
    claims: { openid: ['sub'], profile: ['name'], email: ['email', 'email_verified'] },
    scopes: ['openid', 'profile', 'email'],
    responseTypes: ['code'],
    // Put the profile claims in the ID token too, as Google and Kakao do,
    // not only at the userinfo endpoint.
    conformIdTokenClaims: false,
    pkce: { required: () => true },
    features: { devInteractions: { enabled: false } },
    interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
    cookies: { keys: [randomBytes(32).toString('hex')] },
    clientBasedCORS: () => false,
    renderError: (ctx, out) => {
      ctx.type = 'html';
      ctx.body = page('Error', `<p>${escape(out.error)}: ${escape(out.error_description ?? '')}</p>`);
    },
    ttl: {
      AccessToken: HOUR,
      AuthorizationCode: 60,
      IdToken: HOUR,
      Interaction: HOUR,
      Session: HOUR,
      Grant: HOUR,
    },
  });
  provider.use(tamperHook);
  return provider;
}

// ---- TEST-ONLY HOOK: POST /test/tamper makes the ID tokens that the token
// endpoint returns misbehave, so the relying party's checks can be tested.
// A real provider has nothing like it. ----

const TAMPER_MODES = new Set([
  'off', 'wrong_nonce', 'expired', 'wrong_audience', 'wrong_issuer', 'alg_none', 'foreign_key', 'hs256',
]);
let tamperMode = 'off';

async function tamperHook(ctx, next) {
  await next();
  if (tamperMode !== 'off' && ctx.oidc?.route === 'token' && ctx.body?.id_token) {
    const idToken = await tampered(ctx.body.id_token, tamperMode, ctx.oidc.client);
    ctx.body = { ...ctx.body, id_token: idToken };
  }
}

async function tampered(idToken, mode, client) {
  const claims = jose.decodeJwt(idToken);
  const now = Math.floor(Date.now() / 1000);
  switch (mode) {
    case 'wrong_nonce':
      return signWithOwnKey({ ...claims, nonce: 'not-the-nonce-that-was-sent' });
    case 'expired':
      return signWithOwnKey({ ...claims, iat: now - 2 * HOUR, exp: now - HOUR });
    case 'wrong_audience':
      return signWithOwnKey({ ...claims, aud: 'another-client' });
    case 'wrong_issuer':
      return signWithOwnKey({ ...claims, iss: 'http://issuer.invalid' });
    case 'alg_none':
      return unsigned(claims);
    case 'foreign_key':
      return signWith(await newSigningKey(), claims);
    case 'hs256':
      return new jose.SignJWT(claims)
        .setProtectedHeader({ alg: 'HS256' })
        .sign(new TextEncoder().encode(client.clientSecret));
    default:
      throw new Error(`unknown tamper mode ${mode}`);
  }
}

function signWithOwnKey(claims) {
  return signWith(jwks.keys[0], claims);
}

async function signWith(jwk, claims) {
  const key = await jose.importJWK(jwk, 'RS256');
  return new jose.SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid: jwk.kid }).sign(key);
}

function unsigned(claims) {
  const part = (value) => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${part({ alg: 'none' })}.${part(claims)}.`;
}

// ---- interaction pages: a login step, then a consent step ----

async function showInteraction(provider, req, res) {
  const { uid, prompt, params } = await provider.interactionDetails(req, res);
  if (prompt.name === 'login') {
    sendHtml(res, 200, loginPage(uid, params));
  } else {
    sendHtml(res, 200, consentPage(uid, params));
  }
}

function loginPage(uid, params) {
  return page('Sign in', `
<p>Sign in to continue to <b>${escape(params.client_id)}</b>.</p>
<form method="post" action="/interaction/${uid}/login">
  <p><label for="login">Login</label> <input id="login" name="login" required autofocus></p>
  <p><label for="name">Name</label> <input id="name" name="name"></p>
  <p><label><input id="email_verified" type="checkbox" name="email_verified"> Email verified</label></p>
  <p><button id="sign-in" type="submit">Sign in</button></p>
</form>`);
}

function consentPage(uid, params) {
  return page('Allow access', `
<p><b>${escape(params.client_id)}</b> asks for: ${escape(params.scope ?? '')}</p>
<form method="post" action="/interaction/${uid}/confirm">
  <button id="allow" type="submit">Allow</button>
</form>
<form method="post" action="/interaction/${uid}/abort">
  <button id="deny">Deny</button>
</form>`);
}

async function submitLogin(provider, req, res) {
  const form = await readForm(req);
  const login = (form.get('login') ?? '').trim();
  if (!login) {
    const { uid, params } = await provider.interactionDetails(req, res);
    sendHtml(res, 400, loginPage(uid, params));
    return;
  }
  const name = (form.get('name') ?? '').trim() || nameFrom(login);
  accounts.set(login, { name, emailVerified: form.has('email_verified') });
  await provider.interactionFinished(req, res, { login: { accountId: login } }, {
    mergeWithLastSubmission: false,
  });
}

async function submitConsent(provider, req, res) {
  const details = await provider.interactionDetails(req, res);
  const { prompt, params, session, grantId } = details;
  const grant = grantId
    ? await provider.Grant.find(grantId)
    : new provider.Grant({ accountId: session.accountId, clientId: params.client_id });
  const missing = prompt.details;
  if (missing.missingOIDCScope) grant.addOIDCScope(missing.missingOIDCScope.join(' '));
  if (missing.missingOIDCClaims) grant.addOIDCClaims(missing.missingOIDCClaims);
  for (const [indicator, scopes] of Object.entries(missing.missingResourceScopes ?? {})) {
    grant.addResourceScope(indicator, scopes.join(' '));
  }
  await provider.interactionFinished(req, res, { consent: { grantId: await grant.save() } }, {
    mergeWithLastSubmission: true,
  });
}

async function denyConsent(provider, req, res) {
  await provider.interactionFinished(req, res, {
    error: 'access_denied',
    error_description: 'The user denied the request',
  }, { mergeWithLastSubmission: false });
}

// ---- user endpoints shaped like the OAuth 2.0 providers that are not OpenID ----

/** The profile behind `Authorization: Bearer <access token>`, or undefined. */
async function bearerProfile(provider, req) {
  const match = /^Bearer (\S+)$/.exec(req.headers.authorization ?? '');
  if (!match) return undefined;
  const token = await provider.AccessToken.find(match[1]);
  if (!token || token.isExpired) return undefined;
  return profileOf(token.accountId);
}

const USER_ENDPOINTS = {
  '/naver/v1/nid/me': {
    ok: (p) => ({
      resultcode: '00',
      message: 'success',
      response: { id: p.sub, nickname: p.name, name: p.name, email: p.email },
    }),
    unauthorized: { resultcode: '024', message: 'Authentication failed' },
  },
  '/facebook/me': {
    ok: (p) => ({ id: p.sub, name: p.name, email: p.email }),
    unauthorized: {
      error: { message: 'Invalid OAuth access token.', type: 'OAuthException', code: 190 },
    },
  },
  '/x/2/users/me': {
    ok: (p) => ({ data: { id: p.sub, name: p.name, username: p.sub } }),
    unauthorized: { title: 'Unauthorized', type: 'about:blank', status: 401, detail: 'Unauthorized' },
  },
};

async function userEndpoint(provider, endpoint, req, res) {
  const profile = await bearerProfile(provider, req);
  if (profile) {
    sendJson(res, 200, endpoint.ok(profile));
  } else {
    sendJson(res, 401, endpoint.unauthorized);
  }
}

// ---- the test control endpoint (loopback only) ----

async function setTamper(req, res) {
  if (!['127.0.0.1', '::1', '::ffff:127.0.0.1'].includes(req.socket.remoteAddress)) {
    sendJson(res, 403, { error: 'loopback only' });
    return;
  }
  const { mode } = JSON.parse(await readBody(req));
  if (!TAMPER_MODES.has(mode)) {
    sendJson(res, 400, { error: `unknown mode ${mode}` });
    return;
  }
  tamperMode = mode;
  sendJson(res, 200, { mode });
}

// ---- routing: our pages first, everything else is the provider's ----

function route(provider, req) {
  const { pathname } = new URL(req.url, 'http://127.0.0.1');
  if (req.method === 'GET' && USER_ENDPOINTS[pathname]) {
    return (req, res) => userEndpoint(provider, USER_ENDPOINTS[pathname], req, res);
  }
  if (req.method === 'POST' && pathname === '/test/tamper') return setTamper;
  const interaction = /^\/interaction\/[^/]+(\/login|\/confirm|\/abort)?$/.exec(pathname);
  if (!interaction) return undefined;
  const step = `${req.method} ${interaction[1] ?? ''}`;
  const handlers = {
    'GET ': showInteraction,
    'POST /login': submitLogin,
    'POST /confirm': submitConsent,
    'POST /abort': denyConsent,
  };
  const handler = handlers[step];
  return handler && ((req, res) => handler(provider, req, res));
}

// ---- small HTTP helpers ----

async function readBody(req) {
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  return Buffer.concat(chunks).toString('utf8');
}

async function readForm(req) {
  return new URLSearchParams(await readBody(req));
}

function sendJson(res, status, body) {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

function sendHtml(res, status, html) {
  res.writeHead(status, { 'content-type': 'text/html; charset=utf-8' });
  res.end(html);
}

function page(title, body) {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escape(title)}</title></head>
<body><h1>${escape(title)}</h1>${body}</body></html>`;
}

function escape(text) {
  return String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

// ---- start: listen first, so port 0 gives the issuer its real port ----

let provider;
let providerRoutes;
const server = createServer(async (req, res) => {
  const handler = route(provider, req);
  if (!handler) {
    providerRoutes(req, res);
    return;
  }
  try {
    await handler(req, res);
  } catch (error) {
    console.error(error);
    if (!res.headersSent) sendHtml(res, 400, page('Error', `<p>${escape(error.message)}</p>`));
  }
});
server.listen(Number(args.port), '127.0.0.1', () => {
  const issuer = `http://127.0.0.1:${server.address().port}`;
  provider = startProvider(issuer);
  providerRoutes = provider.callback();
  process.stdout.write(`${JSON.stringify({ issuer })}\n`);
});
