// A real OpenID provider for idm's tests: panva's certified oidc-provider, configured small.
//
// Environment: PORT (0 picks one), CLIENTS (JSON { clientId: email }: each test user is a
// confidential client whose client-credentials access tokens carry that email), AUDIENCE (the
// `aud` of access tokens), ALGS (comma-separated signing algorithms, first signs; default
// RS256), CONSOLE_REDIRECT (the console's redirect URI for the public PKCE client
// `idm-console`), TOKEN_TTL (seconds, default 600). Prints one JSON line {"issuer": ...} when listening.
//
// Test endpoints beside the provider's own:
//   GET  /test/jwks-fetches      how many times the key set was fetched
//   POST /test/rotate            {"algs": [...], "keep": true}: new signing keys; with keep,
//                                the old ones stay published after them (rotation overlap)
//   POST /test/sign              {"claims": {...}, "alg"?: "...", "kid"?: "..."}: a JWT signed
//                                with the current first key, for claims no flow would issue
// Keys are made here by Node's crypto; nothing is kept on disk.
import { createServer } from 'node:http';
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import Provider from 'oidc-provider';
import * as jose from 'jose';

const port = Number(process.env.PORT || 0);
const clients = JSON.parse(process.env.CLIENTS || '{}');
const audience = process.env.AUDIENCE || 'urn:idm';
const consoleRedirect = process.env.CONSOLE_REDIRECT || 'http://127.0.0.1/admin/';
const tokenTtl = Number(process.env.TOKEN_TTL || 600);

function keyFor(alg) {
  let pair;
  if (alg.startsWith('RS') || alg.startsWith('PS')) pair = generateKeyPairSync('rsa', { modulusLength: 2048 });
  else if (alg === 'ES256') pair = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  else if (alg === 'ES384') pair = generateKeyPairSync('ec', { namedCurve: 'P-384' });
  else if (alg === 'EdDSA') pair = generateKeyPairSync('ed25519');
  else throw new Error(`no key for ${alg}`);
  return { ...pair.privateKey.export({ format: 'jwk' }), kid: randomUUID(), alg, use: 'sig' };
}

let keys = (process.env.ALGS || 'RS256').split(',').map(keyFor);
let fetches = 0;
let provider;
let issuer;

function build() {
  const p = new Provider(issuer, {
    jwks: { keys },
    clients: [
      ...Object.keys(clients).map((id) => ({
        client_id: id,
        client_secret: 'secret',
        grant_types: ['client_credentials'],
        redirect_uris: [],
        response_types: [],
        id_token_signed_response_alg: keys[0].alg,
      })),
      {
        client_id: 'idm-console',
        token_endpoint_auth_method: 'none',
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code'],
        redirect_uris: [consoleRedirect],
        post_logout_redirect_uris: [consoleRedirect],
        id_token_signed_response_alg: keys[0].alg,
      },
    ],
    findAccount: (ctx, id) => ({
      accountId: id,
      claims: () => ({ sub: id, email: id.toLowerCase(), email_verified: true }),
    }),
    claims: { openid: ['sub'], email: ['email', 'email_verified'] },
    features: {
      devInteractions: { enabled: true },
      clientCredentials: { enabled: true },
      rpInitiatedLogout: { enabled: true },
      resourceIndicators: {
        enabled: true,
        defaultResource: () => audience,
        useGrantedResource: () => true,
        getResourceServerInfo: () => ({
          scope: 'openid email',
          audience,
          accessTokenFormat: 'jwt',
          accessTokenTTL: tokenTtl,
          jwt: { sign: { alg: keys[0].alg } },
        }),
      },
    },
    // The email in access tokens: the signed-in account's (its login), or a test client's.
    extraTokenClaims: (ctx, token) => {
      if (token.accountId) return { email: token.accountId.toLowerCase() };
      return clients[token.clientId] ? { email: clients[token.clientId] } : undefined;
    },
    pkce: { required: () => true, methods: ['S256'] },
    // The console exchanges its code from the page: the token endpoint answers its origin only
    // (what "single-page application" platforms of real providers do).
    clientBasedCORS: (ctx, origin, client) => client.clientId === 'idm-console'
      && origin === new URL(consoleRedirect).origin,
    conformIdTokenClaims: false,
    enabledJWA: {
      idTokenSigningAlgValues: ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'EdDSA'],
    },
    ttl: { AccessToken: tokenTtl, IdToken: tokenTtl, Session: 3600, Interaction: 600, Grant: 3600 },
    cookies: { keys: ['idm-test-cookie-key'] },
  });
  p.proxy = false;
  return p;
}

async function body(req) {
  const chunks = [];
  for await (const c of req) chunks.push(c);
  return chunks.length ? JSON.parse(Buffer.concat(chunks).toString()) : {};
}

function json(res, status, value) {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(value));
}

const server = createServer(async (req, res) => {
  try {
    const url = new URL(req.url, issuer);
    if (url.pathname === '/test/jwks-fetches') return json(res, 200, { fetches });
    if (url.pathname === '/test/rotate' && req.method === 'POST') {
      const { algs = ['RS256'], keep = true } = await body(req);
      keys = [...algs.map(keyFor), ...(keep ? keys : [])];
      provider = build();
      return json(res, 200, { kids: keys.map((k) => k.kid) });
    }
    if (url.pathname === '/test/sign' && req.method === 'POST') {
      const { claims, alg, kid } = await body(req);
      const key = keys.find((k) => k.alg === alg) || keys[0];
      const header = { alg: alg || key.alg, kid: kid || key.kid };
      // An HMAC "signed" with the public key: the algorithm-confusion attack.
      const signing = header.alg.startsWith('HS')
        ? new TextEncoder().encode(JSON.stringify({ kty: key.kty, n: key.n, e: key.e, crv: key.crv, x: key.x, y: key.y }))
        : await jose.importJWK(key, key.alg);
      const token = await new jose.SignJWT(claims).setProtectedHeader(header).sign(signing);
      return json(res, 200, { token });
    }
    if (url.pathname === '/jwks' && req.method === 'GET') fetches += 1;
    return provider.callback()(req, res);
  } catch (e) {
    return json(res, 500, { error: String(e) });
  }
});

server.listen(port, '127.0.0.1', () => {
  issuer = `http://127.0.0.1:${server.address().port}`;
  provider = build();
  process.stdout.write(`${JSON.stringify({ issuer })}\n`);
});
