import assert from "node:assert/strict";
import { once } from "node:events";
import { connect, type Http2Session } from "node:http2";
import { test } from "node:test";
import { DEFAULT_MAX_MESSAGE_BYTES, FLOW_CONTROL_WINDOW_BYTES } from "./channel-options.ts";
import { loadContracts } from "./contracts.ts";
import { startGrpcServer } from "./server.ts";
import { echoFetch } from "./test-helpers.ts";

test("grpc: a server offers every connection the wide receive window, per stream and for the connection", async () => {
  const contracts = await loadContracts();
  const server = await startGrpcServer({
    host: "127.0.0.1",
    maxMessageBytes: DEFAULT_MAX_MESSAGE_BYTES,
    services: [{ definition: contracts.fetch, implementation: echoFetch().handlers }],
  });
  let session: Http2Session | undefined;
  try {
    session = connect(`http://${server.address}`);
    await once(session, "remoteSettings");
    // The wide window follows the server's first SETTINGS: a second SETTINGS and a WINDOW_UPDATE.
    const widened = (s: Http2Session) =>
      s.remoteSettings.initialWindowSize === FLOW_CONTROL_WINDOW_BYTES && s.state.remoteWindowSize === FLOW_CONTROL_WINDOW_BYTES;
    for (let i = 0; i < 100 && !widened(session); i++) await new Promise((resolve) => setTimeout(resolve, 10));
    assert.equal(session.remoteSettings.initialWindowSize, FLOW_CONTROL_WINDOW_BYTES, "per-stream window (SETTINGS_INITIAL_WINDOW_SIZE)");
    assert.equal(session.state.remoteWindowSize, FLOW_CONTROL_WINDOW_BYTES, "connection window");
  } finally {
    session?.close();
    await server.shutdown(1000);
  }
});
