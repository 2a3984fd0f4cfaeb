// A real OpenID Connect provider for the portal's sign-in tests: the certified `oidc-provider` package on
// loopback, with its development login and consent pages (any login name is the person's subject).
//
//   OIDC_PORT=9100 OIDC_CLIENT_ID=portal OIDC_CLIENT_SECRET=... OIDC_REDIRECT_URI=http://127.0.0.1:8501/oauth2callback \
//     node tests/oidc/provider.mjs
//
// Prints "ready <issuer>" once listening. OIDC_NAMES (JSON {"login": "姓名"}) gives people their name claim.
import Provider from 'oidc-provider';

const port = Number(process.env.OIDC_PORT || 9100);
const issuer = `http://127.0.0.1:${port}`;
const names = JSON.parse(process.env.OIDC_NAMES || '{}');

const configuration = {
  clients: [
    {
      client_id: process.env.OIDC_CLIENT_ID || 'portal',
      client_secret: process.env.OIDC_CLIENT_SECRET || 'portal-test-secret',
      redirect_uris: [process.env.OIDC_REDIRECT_URI],
      post_logout_redirect_uris: [process.env.OIDC_REDIRECT_URI],
      grant_types: ['authorization_code'],
      response_types: ['code'],
    },
  ],
  findAccount: async (ctx, id) => ({
    accountId: id,
    claims: async () => ({ sub: id, name: names[id] || id }),
  }),
  claims: { openid: ['sub'], profile: ['name'] },
  // Profile claims in the ID token (Streamlit's st.user shows the ID token's claims).
  conformIdTokenClaims: false,
  cookies: { keys: ['portal-test-cookie-key'] },
  features: { devInteractions: { enabled: true }, rpInitiatedLogout: {
    enabled: true,
    // The default page loads a web font from the internet; the tests touch loopback only.
    logoutSource: async (ctx, form) => {
      ctx.body = `<!DOCTYPE html><html><body><h1>Sign out?</h1>${form}
        <button type="submit" form="op.logoutForm" value="yes" name="logout">Yes, sign me out</button>
        <button type="submit" form="op.logoutForm">No, stay signed in</button></body></html>`;
    },
  } },
};

const provider = new Provider(issuer, configuration);
provider.listen(port, '127.0.0.1', () => {
  console.log(`ready ${issuer}`);
});
