// An OpenID Connect provider for the tests: the npm package oidc-provider (a certified
// implementation), run as its own process on loopback. Usage:
//   node provider.mjs PORT CONFIG.json
// CONFIG: {"client": {"client_id", "client_secret", "redirect_uris", "post_logout_redirect_uris"},
//          "users": {"login": {"password", "name", "given_name", "family_name", "email",
//                               "groups": [...], "amr": [...]}}}
// Its sign-in page is our own small form (login, password); amr comes from the user's entry.
import http from 'node:http';
import fs from 'node:fs';
import Provider from 'oidc-provider';

const port = Number(process.argv[2]);
const config = JSON.parse(fs.readFileSync(process.argv[3], 'utf8'));
const issuer = `http://127.0.0.1:${port}`;
const users = config.users;

const provider = new Provider(issuer, {
  clients: [{
    grant_types: ['authorization_code'],
    response_types: ['code'],
    token_endpoint_auth_method: 'client_secret_post',
    ...config.client,
  }],
  pkce: { required: () => true },
  scopes: ['openid', 'profile', 'email', 'groups'],
  claims: {
    openid: ['sub', 'amr'],
    profile: ['name', 'given_name', 'family_name', 'preferred_username'],
    email: ['email'],
    groups: ['groups'],
  },
  async findAccount(ctx, id) {
    const user = users[id];
    if (!user) return undefined;
    return {
      accountId: id,
      async claims() {
        return {
          sub: id,
          preferred_username: id,
          name: user.name,
          given_name: user.given_name,
          family_name: user.family_name,
          email: user.email,
          groups: user.groups || [],
        };
      },
    };
  },
  features: {
    devInteractions: { enabled: false },
    rpInitiatedLogout: { enabled: true },
  },
  interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
  cookies: { keys: ['test-only-cookie-key-0123456789abcdef'] },
  ttl: { Session: 3600, Interaction: 600, Grant: 3600, AccessToken: 600, IdToken: 600, AuthorizationCode: 60 },
});

function page(res, uid, error) {
  res.writeHead(error ? 401 : 200, { 'content-type': 'text/html; charset=utf-8' });
  res.end(`<!doctype html><html lang="en"><head><title>Test provider sign-in</title></head><body>
<main><h1>Test provider</h1>${error ? `<p role="alert">${error}</p>` : ''}
<form method="post" action="/interaction/${uid}">
<label for="login">Login</label> <input id="login" name="login" autocomplete="username">
<label for="password">Password</label> <input id="password" name="password" type="password">
<button type="submit">Continue</button></form></main></body></html>`);
}

async function body(req) {
  let data = '';
  for await (const chunk of req) data += chunk;
  return new URLSearchParams(data);
}

const callback = provider.callback();
http.createServer(async (req, res) => {
  try {
    const match = req.url.match(/^\/interaction\/([^/?]+)/);
    if (!match) return callback(req, res);
    const details = await provider.interactionDetails(req, res);
    if (req.method === 'GET') return page(res, details.uid);
    const form = await body(req);
    const login = form.get('login') || '';
    const user = users[login];
    if (!user || user.password !== form.get('password')) return page(res, details.uid, 'Wrong login or password.');
    const grant = new provider.Grant({ accountId: login, clientId: details.params.client_id });
    grant.addOIDCScope(details.params.scope);
    const grantId = await grant.save();
    await provider.interactionFinished(req, res, {
      login: { accountId: login, amr: user.amr || ['pwd'] },
      consent: { grantId },
    }, { mergeWithLastSubmission: false });
  } catch (error) {
    console.error(error);
    res.writeHead(500, { 'content-type': 'text/plain' });
    res.end(String(error));
  }
}).listen(port, '127.0.0.1', () => console.log(`oidc-provider at ${issuer}`));
