// Runs the firebase-tools Cloud Storage emulator (GCS JSON API) offline.
// Its CLI wants Java and a downloaded rules runtime; the JSON API needs
// neither, so the rules runtime is stubbed and every request is permitted.
//
// usage: node gcs_emulator.js PORT   (binds 127.0.0.1; blobs go under $TMPDIR)
// Node modules come from $OBJECTFS_NODE_PREFIX (default ~/.cache/objectfs/node).
"use strict";
const path = require("path");
const os = require("os");

const prefix = process.env.OBJECTFS_NODE_PREFIX || path.join(os.homedir(), ".cache/objectfs/node");
const lib = path.join(prefix, "node_modules/firebase-tools/lib");
const { StorageEmulator } = require(path.join(lib, "emulator/storage/index.js"));
const { StorageRulesRuntime } = require(path.join(lib, "emulator/storage/rules/runtime.js"));
const { EmulatorRegistry } = require(path.join(lib, "emulator/registry.js"));

const port = Number(process.argv[2]);
if (!Number.isInteger(port) || port <= 0) {
  console.error("usage: node gcs_emulator.js PORT");
  process.exit(2);
}

StorageRulesRuntime.prototype.start = async function () {};
StorageRulesRuntime.prototype.stop = async function () {};
const permitAll = { verify: async () => ({ permitted: true }) };
StorageEmulator.prototype.createRulesManager = function () {
  return {
    start: async () => ({ errors: [], warnings: [], exist: () => false }),
    stop: async () => {},
    getRuleset: () => permitAll,
  };
};

const emulator = new StorageEmulator({
  projectId: "objectfs-test",
  host: "127.0.0.1",
  port,
  auto_download: false,
});

EmulatorRegistry.start(emulator).then(
  () => console.log(`gcs emulator listening on http://127.0.0.1:${port}`),
  (err) => {
    console.error(`gcs emulator failed to start: ${err && err.stack ? err.stack : err}`);
    process.exit(1);
  },
);

const shutdown = () => {
  emulator.stop().finally(() => process.exit(0));
  setTimeout(() => process.exit(0), 2000).unref();
};
process.on("SIGTERM", shutdown);
process.on("SIGINT", shutdown);
