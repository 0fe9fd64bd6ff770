// Real OAuth 2.0 authorization server for Tokengate end-to-end tests.
//
// Wraps oidc-provider (https://github.com/panva/node-oidc-provider, third-party,
// pinned in package.json). Listens on 127.0.0.1 only.
//
//   OIDC_PORT=0 node provider.mjs      # 0 or unset: the kernel picks a free port
//
// When ready it prints exactly ONE JSON line on stdout:
//   {"issuer":"http://127.0.0.1:PORT","port":PORT,"token_endpoint":"...",
//    "introspection_endpoint":"...","revocation_endpoint":"...",
//    "client_id":"tokengate-e2e","client_secret":"..."}
// Everything else (oidc-provider notices included) goes to stderr.
//
// It exits promptly on SIGTERM, SIGINT, SIGHUP, and on EOF of stdin when stdin
// is a pipe, socket or terminal (so a test harness that dies while holding the
// write end of the pipe leaves no orphan). A stdin of /dev/null or a regular
// file is ignored (it would be at EOF at once); set OIDC_WATCH_STDIN=0 to
// ignore stdin in every case, OIDC_WATCH_STDIN=1 to always watch it.

import { fstatSync } from 'node:fs';
import http from 'node:http';
import { format } from 'node:util';

// oidc-provider prints its NOTICEs with console.info, i.e. on stdout. stdout is
// reserved for the one JSON line, so route every console method to stderr
// BEFORE oidc-provider is loaded (hence the dynamic import further down).
const toStderr = (...args) => {
  try {
    process.stderr.write(`${format(...args)}\n`);
  } catch {
    // stderr gone: nothing sensible left to do
  }
};
console.log = toStderr;
console.info = toStderr;
console.debug = toStderr;
console.trace = toStderr;
process.stdout.on('error', () => {}); // reader went away (EPIPE): not fatal
process.stderr.on('error', () => {});

const log = (msg) => toStderr(`[oidc-e2e] ${msg}`);

export const CLIENT_ID = 'tokengate-e2e';
// Deliberately contains + / = % & : so that a client must form-urlencode the
// id and secret before HTTP Basic (RFC 6749 section 2.3.1). "%&" is not a
// valid percent-escape, so a client that skips the encoding is rejected with
// invalid_client instead of passing by luck.
export const CLIENT_SECRET = 'tg-e2e+S3cret/with=%&:chars';
export const SCOPES = ['read', 'write'];
// Two more clients for the other client authentication methods tokengate supports:
// client_secret_post (same secret) and private_key_jwt (RFC 7523; an RSA and an EC P-256
// key generated per run, their private PEMs in the JSON line for the test to use).
export const POST_CLIENT_ID = 'tokengate-e2e-post';
export const JWT_CLIENT_ID = 'tokengate-e2e-jwt';
export const ACCESS_TOKEN_TTL = 600; // seconds

let shuttingDown = false;
let server;
function shutdown(reason, code = 0) {
  if (shuttingDown) return;
  shuttingDown = true;
  log(`shutting down (${reason})`);
  if (server) {
    server.close();
    server.closeAllConnections?.();
  }
  // Nothing to flush (in-memory adapter): leave at once.
  process.exit(code);
}

for (const sig of ['SIGTERM', 'SIGINT', 'SIGHUP']) {
  process.on(sig, () => shutdown(sig));
}

function watchStdin() {
  const mode = process.env.OIDC_WATCH_STDIN;
  if (mode === '0') return;
  if (mode !== '1') {
    let st;
    try {
      st = fstatSync(0);
    } catch {
      return; // no fd 0 at all
    }
    if (!(st.isFIFO() || st.isSocket() || process.stdin.isTTY)) return;
  }
  process.stdin.on('data', () => {}); // discard input; keep reading until EOF
  process.stdin.on('end', () => shutdown('stdin closed'));
  process.stdin.on('close', () => shutdown('stdin closed'));
  process.stdin.on('error', () => shutdown('stdin error'));
  process.stdin.resume();
}

function parsePort(raw) {
  if (raw === undefined || raw === '') return 0;
  if (!/^\d+$/.test(raw) || Number(raw) > 65535) {
    log(`invalid OIDC_PORT ${JSON.stringify(raw)}`);
    process.exit(2);
  }
  return Number(raw);
}

function getJson(url, timeoutMs) {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { timeout: timeoutMs }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c) => { body += c; });
      res.on('end', () => {
        if (res.statusCode !== 200) {
          reject(new Error(`GET ${url}: HTTP ${res.statusCode}: ${body}`));
          return;
        }
        try {
          resolve(JSON.parse(body));
        } catch (e) {
          reject(e);
        }
      });
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${url}: timeout`)));
    req.on('error', reject);
  });
}

async function main() {
  watchStdin();
  const port = parsePort(process.env.OIDC_PORT);

  // Listen first: with port 0 the issuer (which contains the port) is only
  // known once the kernel has chosen it.
  server = http.createServer((req, res) => {
    res.statusCode = 503;
    res.end('starting\n');
  });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', resolve);
  });
  const actualPort = server.address().port;
  const issuer = `http://127.0.0.1:${actualPort}`;

  const { default: Provider } = await import('oidc-provider');
  const { randomBytes, generateKeyPairSync } = await import('node:crypto');

  // Fresh signing keys per run (JWT access tokens; ID tokens are never issued
  // here), so oidc-provider does not fall back to its shared dev keys.
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const jwk = { ...privateKey.export({ format: 'jwk' }), use: 'sig', alg: 'ES256', kid: 'e2e-es256' };
  const rsaSigning = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
  const rsaJwk = { ...rsaSigning.export({ format: 'jwk' }), use: 'sig', alg: 'RS256', kid: 'e2e-rs256' };

  const rsaClientKey = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const ecClientKey = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const clientJwks = {
    keys: [
      { ...rsaClientKey.publicKey.export({ format: 'jwk' }), use: 'sig', alg: 'RS256', kid: 'e2e-client-rsa' },
      { ...ecClientKey.publicKey.export({ format: 'jwk' }), use: 'sig', alg: 'ES256', kid: 'e2e-client-ec' },
    ],
  };

  const provider = new Provider(issuer, {
    clients: [{
      client_id: CLIENT_ID,
      client_secret: CLIENT_SECRET,
      grant_types: ['client_credentials'],
      response_types: [],
      redirect_uris: [],
      token_endpoint_auth_method: 'client_secret_basic',
      scope: SCOPES.join(' '),
    }, {
      client_id: POST_CLIENT_ID,
      client_secret: CLIENT_SECRET,
      grant_types: ['client_credentials'],
      response_types: [],
      redirect_uris: [],
      token_endpoint_auth_method: 'client_secret_post',
      scope: SCOPES.join(' '),
    }, {
      client_id: JWT_CLIENT_ID,
      grant_types: ['client_credentials'],
      response_types: [],
      redirect_uris: [],
      token_endpoint_auth_method: 'private_key_jwt',
      jwks: clientJwks,
      scope: SCOPES.join(' '),
    }],
    scopes: SCOPES,
    claims: { openid: ['sub'] },
    jwks: { keys: [jwk, rsaJwk] },
    enabledJWA: { idTokenSigningAlgValues: ['ES256'] },
    cookies: { keys: [randomBytes(32).toString('base64url')] },
    clientDefaults: {
      grant_types: ['client_credentials'],
      response_types: [],
      id_token_signed_response_alg: 'ES256',
      token_endpoint_auth_method: 'client_secret_basic',
    },
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      introspection: {
        enabled: true,
        // Any authenticated (confidential) client may introspect; in
        // particular the client a token was issued to may introspect it.
        // This is oidc-provider's default, spelled out so it is explicit.
        allowedPolicy(ctx, client, token) {
          if (client.clientAuthMethod === 'none' && token.clientId !== client.clientId) return false;
          return true;
        },
      },
      // RFC 9701: an introspection request with Accept:
      // application/token-introspection+jwt gets the answer as a JWT signed
      // with the provider's RSA key (RS256, the clients' default).
      jwtIntrospection: { enabled: true },
      // RFC 7009 2.1: a client may revoke only its own tokens. oidc-provider
      // 8.x hard-codes that (400 invalid_request "this token does not belong
      // to you" otherwise); it has no revocation policy option before 9.x.
      revocation: { enabled: true },
      // Without a `resource` parameter client_credentials tokens are opaque
      // and carry no `aud`. With one (RFC 8707) they are still opaque, with
      // `aud` = the resource, so e2e tests can exercise audience checks.
      // Resources under urn:tokengate:jwt: get RFC 9068 JWT access tokens
      // (typ at+jwt) signed with the provider's ES256 key, or with its RSA key
      // (RS256) under urn:tokengate:jwt-rs256:; a resource ending in
      // ":short" makes them live 2 seconds, for expiry tests.
      resourceIndicators: {
        enabled: true,
        defaultResource: () => undefined,
        useGrantedResource: () => false,
        getResourceServerInfo: (ctx, resourceIndicator) => {
          const jwt = resourceIndicator.startsWith('urn:tokengate:jwt');
          return {
            scope: SCOPES.join(' '),
            audience: resourceIndicator,
            accessTokenTTL: resourceIndicator.endsWith(':short') ? 2 : ACCESS_TOKEN_TTL,
            accessTokenFormat: jwt ? 'jwt' : 'opaque',
            ...(jwt ? {
              jwt: {
                sign: { alg: resourceIndicator.startsWith('urn:tokengate:jwt-rs256:') ? 'RS256' : 'ES256' },
              },
            } : {}),
          };
        },
      },
    },
    ttl: {
      // The resource server's lifetime when it names one (the ":short" resources).
      ClientCredentials: (ctx, token) => token.resourceServer?.accessTokenTTL || ACCESS_TOKEN_TTL,
      AccessToken: ACCESS_TOKEN_TTL,
    },
  });

  for (const ev of ['server_error', 'grant.error', 'introspection.error', 'revocation.error']) {
    provider.on(ev, (...args) => {
      const err = args.find((a) => a instanceof Error);
      log(`${ev}: ${err ? `${err.name}: ${err.message}${err.error_description ? ` (${err.error_description})` : ''}` : ''}`);
    });
  }

  server.removeAllListeners('request');
  server.on('request', provider.callback());

  const discovery = await getJson(`${issuer}/.well-known/openid-configuration`, 5000);
  if (discovery.issuer !== issuer) {
    throw new Error(`discovery issuer ${discovery.issuer} != ${issuer}`);
  }
  for (const k of ['token_endpoint', 'introspection_endpoint', 'revocation_endpoint']) {
    if (typeof discovery[k] !== 'string') throw new Error(`discovery lacks ${k}`);
  }

  const line = JSON.stringify({
    issuer,
    port: actualPort,
    token_endpoint: discovery.token_endpoint,
    introspection_endpoint: discovery.introspection_endpoint,
    revocation_endpoint: discovery.revocation_endpoint,
    client_id: CLIENT_ID,
    client_secret: CLIENT_SECRET,
    post_client_id: POST_CLIENT_ID,
    jwt_client_id: JWT_CLIENT_ID,
    jwt_client_rsa_key: rsaClientKey.privateKey.export({ type: 'pkcs8', format: 'pem' }),
    jwt_client_ec_key: ecClientKey.privateKey.export({ type: 'pkcs8', format: 'pem' }),
  });
  process.stdout.write(`${line}\n`);
  log(`listening on ${issuer} (oidc-provider, node ${process.version})`);
}

main().catch((err) => {
  log(`startup failed: ${err?.stack || err}`);
  shutdown('startup failure', 1);
});
