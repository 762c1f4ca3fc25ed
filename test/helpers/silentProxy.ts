/**
 * A TCP proxy in front of a real server that can go silent: from then on it reads and drops everything in
 * both directions and closes nothing (no RST, no FIN) — what a client sees when the network drops packets.
 * Used by the connection tests and the safety bench.
 */
import { connect, createServer, type Socket } from 'node:net';

export interface SilentProxy {
  port: number;
  /** Forward until a client→server chunk contains `marker` (that chunk still goes through), then go silent. */
  silentAfter(marker: string): void;
  goSilent(): void;
  /** Resolves when the proxy has gone silent. */
  readonly wentSilent: Promise<void>;
  close(): Promise<void>;
}

export function startSilentProxy(host: string, port: number): Promise<SilentProxy> {
  let silent = false;
  let marker: string | undefined;
  let markSilent: () => void = () => undefined;
  const wentSilent = new Promise<void>((resolve) => {
    markSilent = resolve;
  });
  const goSilent = (): void => {
    silent = true;
    markSilent();
  };
  const sockets = new Set<Socket>();
  const track = (socket: Socket): void => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    // A silent proxy reports nothing; the client under test is what must notice.
    socket.on('error', () => undefined);
  };
  const server = createServer((client) => {
    const upstream = connect(port, host);
    track(client);
    track(upstream);
    client.on('data', (chunk: Buffer) => {
      if (silent) return;
      upstream.write(chunk);
      if (marker !== undefined && chunk.includes(marker)) goSilent();
    });
    upstream.on('data', (chunk: Buffer) => {
      if (!silent) client.write(chunk);
    });
    // Until silent, a close on one side is passed on; once silent, nothing is.
    client.on('end', () => {
      if (!silent) upstream.end();
    });
    upstream.on('end', () => {
      if (!silent) client.end();
    });
  });
  return new Promise((resolve, reject) => {
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const proxyPort = typeof address === 'object' && address ? address.port : 0;
      resolve({
        port: proxyPort,
        silentAfter: (text) => {
          marker = text;
        },
        goSilent,
        wentSilent,
        close: () =>
          new Promise<void>((done) => {
            for (const s of sockets) s.destroy();
            server.close(() => done());
          }),
      });
    });
  });
}
