/** What a caller (`openImage`, the webhook) passes to the registry client. Parsed at the CLI edge. */
export interface RegistryOptions {
  /** `os/arch[/variant]`; when absent, `linux/amd64` is chosen from an index (SPEC §3). */
  readonly platform?: string;
  /**
   * `--creds USER:PASS`: wins over every credential file. `source` names where they came from in
   * messages (a pod's pull secret in the webhook); `--creds` when absent.
   */
  readonly creds?: { readonly username: string; readonly password: string; readonly source?: string };
  /**
   * What an anonymous refusal's hint tells the user to do. The default speaks to the command line (`docker
   * login`, `--creds`, `--authfile`); the webhook's speaks of pull secrets.
   */
  readonly anonymousHint?: string;
  /** `--authfile`: a docker config.json / containers auth.json read before the defaults. */
  readonly authFile?: string;
  /** `--insecure-registry HOST[:PORT]`: hosts allowed plain HTTP (loopback always is). */
  readonly insecureRegistries?: readonly string[];
  /** `--ca-file`: PEM certificates trusted in addition to the system roots. */
  readonly caFile?: string;
  /** The process environment as read by `config/` (HOME, DOCKER_CONFIG, REGISTRY_AUTH_FILE, PATH). */
  readonly env: Readonly<Record<string, string | undefined>>;
  /**
   * Replaces the HTTP transport entirely (tests, instrumentation). The default is undici's `fetch` on an
   * Agent of our own, which is what makes `caFile` work; a replacement must handle TLS trust itself.
   */
  readonly fetchImpl?: typeof fetch;
  /** Per request: until the response headers arrive, and then between two chunks of a body. */
  readonly timeoutMs?: number;
  /** Retries after the first attempt on 429, 5xx and connection resets. */
  readonly retries?: number;
  /** Called once per HTTP response (token requests and redirects included); the URL has no query. */
  readonly onRequest?: (request: { method: string; url: string; status: number }) => void;
}

export const DEFAULT_TIMEOUT_MS = 30_000;

/** `anonymousHint` when the caller gives none: the command line's ways to authenticate. */
export const CLI_ANONYMOUS_HINT = 'log in (docker login), or pass --creds USER:PASS or --authfile FILE';
