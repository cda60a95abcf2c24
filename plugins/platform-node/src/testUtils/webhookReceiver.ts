import http from 'node:http';
import { AddressInfo } from 'node:net';

/** A request the receiver got. */
export interface ReceivedWebhook {
  path: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** A real HTTP server on loopback that records what is posted to it. */
export interface WebhookReceiver {
  /** `http://127.0.0.1:<port>` */
  baseUrl: string;
  received: ReceivedWebhook[];
  close(): Promise<void>;
}

/** `statusFor(n)`: the status of the n-th request (1-based; default 204 for all). */
export async function startWebhookReceiver(
  options: { statusFor?: (call: number) => number } = {},
): Promise<WebhookReceiver> {
  const statusFor = options.statusFor ?? (() => 204);
  const receiver: WebhookReceiver = {
    baseUrl: '',
    received: [],
    close: async () => {},
  };
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', chunk => (body += chunk));
    req.on('end', () => {
      receiver.received.push({
        path: req.url ?? '',
        headers: req.headers,
        body,
      });
      res.writeHead(statusFor(receiver.received.length)).end();
    });
  });
  await new Promise<void>(done => server.listen(0, '127.0.0.1', done));
  receiver.baseUrl = `http://127.0.0.1:${
    (server.address() as AddressInfo).port
  }`;
  receiver.close = () =>
    new Promise<void>(done => {
      server.closeAllConnections();
      server.close(() => done());
    });
  return receiver;
}
