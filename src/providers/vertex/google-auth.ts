// OAuth access tokens for Vertex AI through Google's auth library: a service-account key (the
// provider's vertex.credentials) or Application Default Credentials. One client per key, kept
// across reloads, so a token is fetched once, reused, and fetched again before it expires (the
// library refreshes within 5 minutes of expiry). The library posts to Google's token endpoint
// whatever the key says; a key whose token_uri names another endpoint (a private or test one)
// gets its token there, as the key file asks.
import type { GoogleAuth as GoogleAuthType, JWT as JwtType } from 'google-auth-library';
import { GwError } from '../../errors.js';

/** Loaded with the first token asked for (about 13 MB): a gateway without Vertex never holds it. */
type GoogleAuthLibrary = { GoogleAuth: typeof GoogleAuthType; JWT: typeof JwtType };
let library: Promise<GoogleAuthLibrary> | undefined;
const loadLibrary = (): Promise<GoogleAuthLibrary> => (library ??= import('google-auth-library'));

const SCOPE = 'https://www.googleapis.com/auth/cloud-platform';
const GOOGLE_TOKEN_URL = 'https://oauth2.googleapis.com/token';

/** The current token (cached by the library, refreshed before expiry). */
type TokenSource = () => Promise<string | null | undefined>;

/** Key text (or '' for ADC) -> its client. Few entries: one per distinct key in the config. */
const sources = new Map<string, TokenSource>();

interface ServiceAccountKey {
  client_email?: unknown;
  private_key?: unknown;
  private_key_id?: unknown;
  token_uri?: unknown;
}

function fromKey({ JWT }: GoogleAuthLibrary, text: string): TokenSource {
  let key: ServiceAccountKey;
  try {
    key = JSON.parse(text) as ServiceAccountKey;
  } catch {
    throw new GwError('GW_ERR_UPSTREAM_AUTH', 'vertex.credentials is not JSON (expected a service-account key file)');
  }
  if (typeof key.client_email !== 'string' || typeof key.private_key !== 'string')
    throw new GwError(
      'GW_ERR_UPSTREAM_AUTH',
      'vertex.credentials is not a service-account key (client_email and private_key are missing)',
    );
  const client = new JWT({
    email: key.client_email,
    key: key.private_key,
    keyId: typeof key.private_key_id === 'string' ? key.private_key_id : undefined,
    scopes: [SCOPE],
  });
  const tokenUri = typeof key.token_uri === 'string' ? key.token_uri : GOOGLE_TOKEN_URL;
  if (tokenUri !== GOOGLE_TOKEN_URL) {
    const target = new URL(tokenUri);
    client.transporter.interceptors.request.add({
      resolved: (config) => {
        if (String(config.url) === GOOGLE_TOKEN_URL) config.url = target;
        return Promise.resolve(config);
      },
    });
  }
  return async () => (await client.getAccessToken()).token;
}

function fromEnvironment({ GoogleAuth }: GoogleAuthLibrary): TokenSource {
  const auth = new GoogleAuth({ scopes: [SCOPE] });
  return () => auth.getAccessToken();
}

async function sourceFor(credentials: string | undefined): Promise<TokenSource> {
  const id = credentials ?? '';
  let source = sources.get(id);
  if (source === undefined) {
    const lib = await loadLibrary();
    source = sources.get(id) ?? (credentials !== undefined ? fromKey(lib, credentials) : fromEnvironment(lib));
    sources.set(id, source);
  }
  return source;
}

/** A current access token; rejects with GW_ERR_UPSTREAM_AUTH when none can be had, or when signal aborts. */
export async function accessToken(credentials: string | undefined, signal: AbortSignal): Promise<string> {
  const source = await sourceFor(credentials);
  let token: string | null | undefined;
  try {
    signal.throwIfAborted();
    const aborted = new Promise<never>((_, reject) =>
      signal.addEventListener('abort', () => reject(signal.reason as Error), { once: true }),
    );
    aborted.catch(() => undefined);
    token = await Promise.race([source(), aborted]);
  } catch (err) {
    if (signal.aborted) throw signal.reason;
    throw new GwError(
      'GW_ERR_UPSTREAM_AUTH',
      `no Google access token: ${err instanceof Error ? err.message : String(err)}`,
    );
  }
  if (typeof token !== 'string' || token === '')
    throw new GwError('GW_ERR_UPSTREAM_AUTH', 'no Google access token: the token endpoint answered without one');
  return token;
}
