import type { Express } from 'express';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RunningServer {
  server: Server;
  url: string;
  close(): Promise<void>;
}

export interface BoundServer extends RunningServer {
  /** Hands requests to the app; until then they get 503 "starting". */
  attach(app: Express): void;
}

/** The port could not be taken: says which setting chose it, so the user knows what to change. */
export class PortInUseError extends Error {
  constructor(
    readonly host: string,
    readonly port: number,
    readonly code: string,
  ) {
    super(
      code === 'EADDRINUSE'
        ? `port ${port} on ${host} is already in use (${code}): stop the program using it, or choose another port with --port N or OUTAGEWATCH_PORT=N (0 picks a free one)`
        : `cannot listen on ${host}:${port} (${code}): choose another address with --host/OUTAGEWATCH_HOST or port with --port/OUTAGEWATCH_PORT`,
    );
    this.name = 'PortInUseError';
  }
}

/**
 * Takes host:port (port 0 picks a free one) before anything else is set up, so a taken port fails fast —
 * naming --port / OUTAGEWATCH_PORT — without creating or seeding a database first. `attach` adds the app later.
 */
export function bindServer(host: string, port: number): Promise<BoundServer> {
  return new Promise((resolve, reject) => {
    let handler: Express | null = null;
    const server = createServer((req, res) => {
      if (handler) {
        handler(req, res);
        return;
      }
      res.writeHead(503, { 'content-type': 'text/plain; charset=utf-8', 'retry-after': '1' }).end('starting\n');
    });
    server.once('error', (err: NodeJS.ErrnoException) =>
      reject(
        err.code === 'EADDRINUSE' || err.code === 'EACCES' || err.code === 'EADDRNOTAVAIL' ? new PortInUseError(host, port, err.code) : err,
      ),
    );
    server.listen(port, host, () => {
      const addr = server.address() as AddressInfo;
      const shownHost = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
      resolve({
        server,
        url: `http://${shownHost}:${addr.port}`,
        attach(app: Express) {
          handler = app;
        },
        close: () =>
          new Promise<void>((res) => {
            server.close(() => res());
            server.closeAllConnections();
          }),
      });
    });
  });
}

/** Listens on host:port (port 0 picks a free one) and resolves once listening. */
export async function startServer(app: Express, host: string, port: number): Promise<RunningServer> {
  const bound = await bindServer(host, port);
  bound.attach(app);
  return bound;
}
