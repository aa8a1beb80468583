import { createServer, Server } from 'node:http';
import { connect, Socket } from 'node:net';
import { AddressInfo } from 'node:net';

/**
 * A real HTTP CONNECT proxy on loopback, as a customer's outbound proxy: it
 * opens a TCP tunnel to the asked host:port and records every target, so a
 * test can see that traffic went through it (it never sees inside the TLS).
 */
export class ConnectProxy {
  readonly targets: string[] = [];
  private readonly sockets = new Set<Socket>();

  private constructor(private readonly server: Server, readonly port: number) {}

  static async start(options: { refuse?: (target: string) => boolean } = {}): Promise<ConnectProxy> {
    const server = createServer((_req, res) => res.writeHead(405).end('CONNECT only'));
    const holder: { proxy?: ConnectProxy } = {};
    server.on('connect', (req, client: Socket, head: Buffer) => {
      const target = req.url ?? '';
      const proxy = holder.proxy!;
      proxy.targets.push(target);
      proxy.sockets.add(client);
      client.once('close', () => proxy.sockets.delete(client));
      if (options.refuse?.(target)) {
        client.end('HTTP/1.1 403 Forbidden\r\n\r\n');
        return;
      }
      const [host, port] = [target.slice(0, target.lastIndexOf(':')), Number(target.slice(target.lastIndexOf(':') + 1))];
      const upstream = connect(port, host.replace(/^\[|\]$/g, ''), () => {
        client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
        if (head.length) upstream.write(head);
        upstream.pipe(client);
        client.pipe(upstream);
      });
      proxy.sockets.add(upstream);
      upstream.once('close', () => proxy.sockets.delete(upstream));
      upstream.once('error', () => client.destroy());
      client.once('error', () => upstream.destroy());
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    holder.proxy = new ConnectProxy(server, (server.address() as AddressInfo).port);
    return holder.proxy;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
