// A real OpenID provider (the certified oidc-provider package) for the staff sign-in tests.
//
// Configured by environment variables that tests/oidc/provider.py sets:
//   OIDC_PORT     port to listen on (127.0.0.1)
//   OIDC_ISSUER   the issuer URL
//   OIDC_CLIENT   JSON: client_id, client_secret, redirect_uris, post_logout_redirect_uris
//   OIDC_JWKS     JSON: the private signing key set
//   OIDC_PEOPLE   JSON: { login: { name, email, groups? } }; a login not listed is refused
//
// People sign in on the provider's development login page (any password). The one test-only
// addition is POST /test-faults {"fault": NAME}: until reset with {"fault": null}, it makes the
// provider misbehave in one way a real one could, to test what the registry refuses:
//   discovery-issuer  the discovery document names another issuer
//   wrong-audience    the ID token is for another client (re-signed with the real key)
//   wrong-issuer      the ID token names another issuer (re-signed with the real key)
//   expired           the ID token expired an hour ago (re-signed with the real key)
//   unsigned          the ID token is unsigned (alg "none")
//   wrong-nonce       the ID token carries another nonce (re-signed with the real key)
//   forged-signature  the ID token is signed by another key under the real key's id
import { createServer } from 'node:http';

import {
  decodeJwt, decodeProtectedHeader, generateKeyPair, importJWK, SignJWT,
} from 'jose';
import Provider from 'oidc-provider';

const port = Number(process.env.OIDC_PORT);
const issuer = process.env.OIDC_ISSUER;
const client = JSON.parse(process.env.OIDC_CLIENT);
const jwks = JSON.parse(process.env.OIDC_JWKS);
const people = JSON.parse(process.env.OIDC_PEOPLE);

const SCOPE = 'openid profile email groups';
const CLAIMS = ['sub', 'name', 'email', 'email_verified', 'groups'];

const provider = new Provider(issuer, {
  clients: [
    {
      ...client,
      grant_types: ['authorization_code'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_basic',
    },
  ],
  jwks,
  cookies: { keys: ['test-provider-cookie-key'] },
  claims: {
    openid: ['sub'],
    profile: ['name'],
    email: ['email', 'email_verified'],
    groups: ['groups'],
  },
  // The ID token carries the claims asked for (many company providers put groups there).
  conformIdTokenClaims: false,
  pkce: { required: () => true },
  features: { devInteractions: { enabled: true }, rpInitiatedLogout: { enabled: true } },
  ttl: { AccessToken: 600, AuthorizationCode: 60, IdToken: 600, Interaction: 600, Session: 3600, Grant: 3600 },
  async findAccount(ctx, login) {
    const person = people[login];
    if (!person) {
      return undefined;
    }
    return {
      accountId: login,
      async claims() {
        const claims = { sub: login, name: person.name, email: person.email, email_verified: true };
        if (person.groups) {
          claims.groups = person.groups;
        }
        return claims;
      },
    };
  },
  // A first-party application: no consent page, the grant covers what it asks.
  async loadExistingGrant(ctx) {
    const grantId = ctx.oidc.result?.consent?.grantId
      || ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
    if (grantId) {
      return ctx.oidc.provider.Grant.find(grantId);
    }
    const grant = new ctx.oidc.provider.Grant({
      clientId: ctx.oidc.client.clientId,
      accountId: ctx.oidc.session.accountId,
    });
    grant.addOIDCScope(SCOPE);
    grant.addOIDCClaims(CLAIMS);
    await grant.save();
    return grant;
  },
});

let fault = null;
const signingKey = jwks.keys[0];
const privateKey = await importJWK(signingKey, signingKey.alg);
const forgerKey = (await generateKeyPair(signingKey.alg)).privateKey;

function base64url(value) {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

async function tampered(idToken) {
  const claims = decodeJwt(idToken);
  const now = Math.floor(Date.now() / 1000);
  if (fault === 'unsigned') {
    return `${base64url({ alg: 'none', typ: 'JWT' })}.${base64url(claims)}.`;
  }
  if (fault === 'wrong-audience') {
    claims.aud = 'another-application';
  } else if (fault === 'wrong-issuer') {
    claims.iss = 'https://impostor.example';
  } else if (fault === 'expired') {
    claims.iat = now - 7200;
    claims.exp = now - 3600;
  } else if (fault === 'wrong-nonce') {
    claims.nonce = 'a-nonce-of-another-sign-in';
  } else if (fault !== 'forged-signature') {
    return idToken;
  }
  const header = decodeProtectedHeader(idToken);
  const key = fault === 'forged-signature' ? forgerKey : privateKey;
  return new SignJWT(claims).setProtectedHeader(header).sign(key);
}

provider.use(async (ctx, next) => {
  if (ctx.path === '/test-faults' && ctx.method === 'POST') {
    const chunks = [];
    for await (const chunk of ctx.req) {
      chunks.push(chunk);
    }
    fault = JSON.parse(Buffer.concat(chunks).toString()).fault;
    ctx.body = { fault };
    return;
  }
  await next();
  if (fault === 'discovery-issuer' && ctx.path === '/.well-known/openid-configuration') {
    ctx.body = { ...ctx.body, issuer: 'https://impostor.example' };
  }
  if (ctx.path === '/token' && ctx.status === 200 && ctx.body?.id_token) {
    ctx.body = { ...ctx.body, id_token: await tampered(ctx.body.id_token) };
  }
});

const server = createServer(provider.callback());
server.listen(port, '127.0.0.1', () => {
  process.stdout.write(`listening ${issuer}\n`);
});

process.on('SIGTERM', () => server.close(() => process.exit(0)));
