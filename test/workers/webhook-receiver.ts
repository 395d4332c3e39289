import { createServer, type Server } from "node:http";
import type { TestProject } from "vitest/node";

/**
 * A real HTTP receiver for the Workers webhook tests, run by vitest in Node (workerd cannot listen):
 * it records every POST and answers with the status set for its path. The tests in workerd read
 * what it got over HTTP: GET /__received, and set answers with POST /__answer {"path","status"}.
 */
interface Received {
  path: string;
  headers: Record<string, string>;
  body: string;
}

declare module "vitest" {
  export interface ProvidedContext {
    webhookReceiver: string;
  }
}

export default async function startReceiver(project: TestProject) {
  const received: Received[] = [];
  const answers = new Map<string, number>();
  const server: Server = createServer((request, response) => {
    let body = "";
    request.on("data", (chunk) => (body += chunk));
    request.on("end", () => {
      const path = request.url ?? "/";
      if (request.method === "GET" && path === "/__received") {
        response.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(received));
      } else if (request.method === "POST" && path === "/__answer") {
        const { path: target, status } = JSON.parse(body) as { path: string; status: number };
        answers.set(target, status);
        response.writeHead(204).end();
      } else {
        received.push({ path, headers: request.headers as Record<string, string>, body });
        response.writeHead(answers.get(path) ?? 204).end();
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  project.provide("webhookReceiver", `http://127.0.0.1:${port}`);
  return () => new Promise<void>((resolve) => server.close(() => resolve()));
}
