import { startNodeServer } from "./runtime/node/server.js";
import { loadNodeConfig } from "./runtime/node/setup.js";

/** The Node server: config from the environment, the SQLite file, the API and its sweeper. */
export async function serveNode(hostname = "127.0.0.1"): Promise<void> {
  const config = await loadNodeConfig();
  const server = await startNodeServer(config, { hostname });
  console.log(
    `numbind listening on http://${hostname}:${server.port} (issuer ${config.issuer}, database ${config.dbPath})`,
  );
  const stop = () => void server.close().then(() => process.exit(0));
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
}
