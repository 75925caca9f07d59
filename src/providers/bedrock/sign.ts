// SigV4 request signing for Bedrock (service `bedrock`), with the AWS SDK's own signer. The
// signature covers the finished request: method, path, host, the headers gw sends and the body.
// Credentials are the provider's static ones (references in the manifest) or the AWS default
// chain (environment, shared config and SSO, web identity, ECS/EC2 instance role), loaded on
// first use and refreshed by the chain before they expire. A provider that sends its own
// Authorization header (auth.bearer: a Bedrock API key) is not signed.
import type { SignatureV4 } from '@smithy/signature-v4';
import type { AwsSigning, CompiledProvider } from '../../compile/routing-table.js';
import { GwError } from '../../errors.js';
import type { AuthorizableRequest } from '../types.js';

const SERVICE = 'bedrock';
type Credentials = ConstructorParameters<typeof SignatureV4>[0]['credentials'];
type CredentialsProvider = Extract<Credentials, (...args: never[]) => unknown>;

/** A provider's signer and its origin's parts, made once: a reload compiles new providers. */
interface Signing {
  readonly signer: SignatureV4;
  readonly protocol: string;
  readonly hostname: string;
  readonly port: number | undefined;
  /** The Host header undici sends: the port only when it is not the scheme's default. */
  readonly host: string;
}
const signings = new WeakMap<CompiledProvider, Signing>();

/** The signer's package is loaded on the first signature, not when gw starts. */
let signerModule: Promise<typeof import('@smithy/signature-v4')> | undefined;
let serdeModule: Promise<typeof import('@smithy/core/serde')> | undefined;

type ChainModule = typeof import('@aws-sdk/credential-provider-node');
/** The chain's package is loaded only when a provider without static credentials first signs. */
let chainModule: Promise<ChainModule> | undefined;

function defaultChain(): CredentialsProvider {
  let provider: CredentialsProvider | undefined;
  return async () => {
    if (provider === undefined) {
      chainModule ??= import('@aws-sdk/credential-provider-node');
      provider = (await chainModule).defaultProvider();
    }
    return provider();
  };
}

function credentialsOf(aws: AwsSigning): Credentials {
  const c = aws.credentials;
  if (c === undefined) return defaultChain();
  return c.sessionToken === undefined
    ? { accessKeyId: c.accessKeyId, secretAccessKey: c.secretAccessKey }
    : { accessKeyId: c.accessKeyId, secretAccessKey: c.secretAccessKey, sessionToken: c.sessionToken };
}

async function signingOf(provider: CompiledProvider, aws: AwsSigning): Promise<Signing> {
  let signing = signings.get(provider);
  if (signing === undefined) {
    signerModule ??= import('@smithy/signature-v4');
    serdeModule ??= import('@smithy/core/serde');
    const [{ SignatureV4 }, { Hash }] = await Promise.all([signerModule, serdeModule]);
    signing = signings.get(provider); // another request may have made it meanwhile
    if (signing !== undefined) return signing;
    const url = new URL(provider.origin);
    signing = {
      signer: new SignatureV4({
        service: SERVICE,
        region: aws.region,
        credentials: credentialsOf(aws),
        sha256: Hash.bind(null, 'sha256'),
      }),
      protocol: url.protocol,
      hostname: url.hostname,
      port: url.port !== '' ? Number(url.port) : undefined,
      host: url.host,
    };
    signings.set(provider, signing);
  }
  return signing;
}

/** Settles with the work, or rejects with the signal's reason when it aborts first. */
function untilAborted<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason as Error);
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason as Error);
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (err: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(err as Error);
      },
    );
  });
}

/** The headers SigV4 adds (authorization, x-amz-date, x-amz-content-sha256, x-amz-security-token). */
export async function authorize(
  provider: CompiledProvider,
  request: AuthorizableRequest,
  signal: AbortSignal,
): Promise<Readonly<Record<string, string>>> {
  const aws = provider.aws;
  if (aws === undefined || request.headers['authorization'] !== undefined) return {};
  const signing = await signingOf(provider, aws);
  const toSign = {
    method: request.method,
    protocol: signing.protocol,
    hostname: signing.hostname,
    ...(signing.port !== undefined ? { port: signing.port } : {}),
    path: request.path,
    query: {},
    headers: { ...request.headers, host: signing.host },
    body: request.body,
  };
  let signed;
  try {
    signed = await untilAborted(signing.signer.sign(toSign), signal);
  } catch (err) {
    if (signal.aborted) throw err;
    const why = err instanceof Error ? err.message : String(err);
    throw new GwError('GW_ERR_UPSTREAM_CREDENTIALS', `no AWS credentials for provider ${provider.name}: ${why}`);
  }
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(signed.headers)) {
    const lower = name.toLowerCase();
    if (lower !== 'host' && request.headers[lower] === undefined) out[lower] = value;
  }
  return out;
}
