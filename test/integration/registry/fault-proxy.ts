import {
  createServer,
  request as httpRequest,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A reverse proxy in front of a real registry that injects one fault per matching request: the
 * registry stays real (its manifests, digests and headers), only the fault is ours.
 */
export type Fault =
  /** Answer this status instead of forwarding (429 with `Retry-After`, 503, …). */
  | { readonly kind: 'status'; readonly status: number; readonly headers?: Readonly<Record<string, string>> }
  /** Forward, but flip one byte of the body; headers unchanged unless named in `stripHeaders`. */
  | { readonly kind: 'corrupt'; readonly offset?: number; readonly stripHeaders?: readonly string[] }
  /** Answer 307 to this URL. */
  | { readonly kind: 'redirect'; readonly location: string }
  /** Close the connection without answering. */
  | { readonly kind: 'reset' }
  /** Forward the headers and the first `after` bytes of the body, then cut the connection. */
  | { readonly kind: 'cut'; readonly after: number };

export interface ProxiedRequest {
  readonly method: string;
  readonly path: string;
  readonly authorization: string | undefined;
  readonly range: string | undefined;
}

export interface FaultProxy {
  /** `127.0.0.1:PORT` */
  readonly host: string;
  readonly requests: ProxiedRequest[];
  /** Decides the fault for each request; undefined forwards it untouched. Replace between tests. */
  rule: (req: ProxiedRequest, count: number) => Fault | undefined;
  /** When set, requests without this Basic credential get a 401 Basic challenge. */
  requireBasic: { user: string; password: string } | undefined;
  /** Back to forwarding everything: no rule, no auth, per-request counts and the log cleared. */
  reset(): void;
  stop(): Promise<void>;
}

/** `bindHost` 0.0.0.0 makes the proxy reachable on a non-loopback address too. */
export async function startFaultProxy(upstream: string, bindHost = '127.0.0.1'): Promise<FaultProxy> {
  const target = new URL(upstream);
  const counts = new Map<string, number>();
  const proxy: FaultProxy = {
    host: '',
    requests: [],
    rule: () => undefined,
    requireBasic: undefined,
    reset() {
      proxy.rule = () => undefined;
      proxy.requireBasic = undefined;
      proxy.requests.length = 0;
      counts.clear();
    },
    stop: () => Promise.resolve(),
  };
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const seen: ProxiedRequest = {
      method: req.method ?? 'GET',
      path: req.url ?? '/',
      authorization: req.headers.authorization,
      range: req.headers.range,
    };
    proxy.requests.push(seen);
    if (proxy.requireBasic) {
      const expected = `Basic ${Buffer.from(`${proxy.requireBasic.user}:${proxy.requireBasic.password}`).toString('base64')}`;
      if (req.headers.authorization !== expected) {
        res.writeHead(401, {
          'www-authenticate': 'Basic realm="fault-proxy"',
          'content-type': 'application/json',
        });
        res.end('{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}');
        return;
      }
    }
    const key = `${seen.method} ${seen.path}`;
    const count = counts.get(key) ?? 0;
    counts.set(key, count + 1);
    const fault = proxy.rule(seen, count);
    if (fault?.kind === 'status') {
      res
        .writeHead(fault.status, { 'content-type': 'application/json', ...fault.headers })
        .end('{"errors":[]}');
      return;
    }
    if (fault?.kind === 'redirect') {
      res.writeHead(307, { location: fault.location }).end();
      return;
    }
    if (fault?.kind === 'reset') {
      req.socket.destroy();
      return;
    }
    const headers = { ...req.headers, host: target.host };
    delete headers.authorization; // the upstream registry is anonymous
    const upstreamReq = httpRequest(
      { host: target.hostname, port: target.port, path: seen.path, method: seen.method, headers },
      (upstreamRes) => {
        const responseHeaders = { ...upstreamRes.headers };
        if (fault?.kind === 'corrupt')
          for (const name of fault.stripHeaders ?? []) delete responseHeaders[name];
        res.writeHead(upstreamRes.statusCode ?? 502, responseHeaders);
        if (fault?.kind === 'cut') {
          let sent = 0;
          upstreamRes.on('data', (chunk: Buffer) => {
            if (sent >= fault.after) return;
            const part = chunk.subarray(0, fault.after - sent);
            sent += part.length;
            res.write(part, () => {
              if (sent >= fault.after) res.socket?.destroy();
            });
          });
          return;
        }
        if (fault?.kind !== 'corrupt') {
          upstreamRes.pipe(res);
          return;
        }
        let position = 0;
        const flipAt = fault.offset ?? 0;
        upstreamRes.on('data', (chunk: Buffer) => {
          const copy = Buffer.from(chunk);
          if (flipAt >= position && flipAt < position + copy.length) copy[flipAt - position]! ^= 0x01;
          position += copy.length;
          res.write(copy);
        });
        upstreamRes.on('end', () => res.end());
      },
    );
    upstreamReq.on('error', () => res.destroy());
    req.pipe(upstreamReq);
  });
  await new Promise<void>((resolve) => server.listen(0, bindHost, resolve));
  const { port } = server.address() as AddressInfo;
  Object.assign(proxy, {
    host: `127.0.0.1:${port}`,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  });
  return proxy;
}

/**
 * Blob storage on another origin: serves `/blobs/<digest>` by fetching it from the registry, and
 * records the Authorization header each request carried (which must be none).
 */
export async function startBlobStorage(
  upstream: string,
  repository: string,
): Promise<{ url: string; authorizations: Array<string | undefined>; stop(): Promise<void> }> {
  const authorizations: Array<string | undefined> = [];
  const server = createServer((req, res) => {
    authorizations.push(req.headers.authorization);
    const digest = (req.url ?? '').replace(/^\/blobs\//, '').replace(/\?.*$/, '');
    void fetch(`${upstream}/v2/${repository}/blobs/${digest}`).then(async (r) => {
      res.writeHead(r.status, { 'content-type': 'application/octet-stream' });
      res.end(Buffer.from(await r.arrayBuffer()));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    authorizations,
    stop: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
