import { createServer } from "node:http";
import { nodeWebhookTransport } from "../../src/runtime/node/webhook-transport.js";
import type { Delivery, Receiver } from "../contract/webhook-scenarios.js";

/** An app's receiver over real HTTP on 127.0.0.1, reached through the Node server's own transport. */
export async function httpReceiver(): Promise<Receiver> {
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", async () => {
      const delivery: Delivery = {
        path: request.url ?? "/",
        headers: request.headers as Record<string, string>,
        body: Buffer.concat(chunks).toString("utf8"),
      };
      receiver.deliveries.push(delivery);
      response.writeHead(await receiver.answer(delivery)).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  const receiver: Receiver = {
    base: `http://127.0.0.1:${port}`,
    transport: nodeWebhookTransport(),
    deliveries: [],
    answer: () => 204,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  return receiver;
}
