import { createServer, connect, type AddressInfo, type Socket } from 'node:net';

export interface TcpGate {
  /** host:port to give the client instead of the target's. */
  address: string;
  /** From now on nothing passes, either way; what arrives is kept back. */
  hold(): void;
  /** Closes every connection; whatever was kept back is dropped, never delivered. */
  cut(): void;
  /** Lets traffic pass again (after `cut`, on new connections). */
  release(): void;
  close(): Promise<void>;
}

/**
 * A TCP relay on 127.0.0.1 to a loopback target that a test can stop mid-stream: bytes a client
 * has sent, e.g. a gRPC call to Temporal, stay in the relay until the test releases or drops them.
 */
export async function startTcpGate(target: string): Promise<TcpGate> {
  const [host, port] = target.split(':') as [string, string];
  let held = false;
  const pairs = new Set<{ client: Socket; upstream: Socket; kept: (() => void)[] }>();
  const server = createServer((client) => {
    const upstream = connect(Number(port), host);
    const pair = { client, upstream, kept: [] as (() => void)[] };
    pairs.add(pair);
    const relay = (from: Socket, to: Socket) =>
      from.on('data', (chunk: Buffer) => {
        const send = () => to.write(chunk);
        if (held) pair.kept.push(send);
        else send();
      });
    relay(client, upstream);
    relay(upstream, client);
    const end = () => {
      pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on('close', end).on('error', end);
    upstream.on('close', end).on('error', end);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    address: `127.0.0.1:${(server.address() as AddressInfo).port}`,
    hold: () => {
      held = true;
    },
    cut: () => {
      for (const pair of pairs) {
        pair.kept = [];
        pair.client.destroy();
        pair.upstream.destroy();
      }
      pairs.clear();
    },
    release: () => {
      held = false;
      for (const pair of pairs) for (const send of pair.kept.splice(0)) send();
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const pair of pairs) {
          pair.client.destroy();
          pair.upstream.destroy();
        }
        server.close(() => resolve());
      }),
  };
}
