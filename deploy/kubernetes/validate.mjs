// Validates every manifest of this folder against the Kubernetes API schemas,
// offline (npm kubernetes-models: the OpenAPI schemas as JSON-schema validators).
//   node deploy/kubernetes/validate.mjs [NODE_MODULES_DIR]
import fs from "node:fs";
import path from "node:path";
import { createRequire } from "node:module";

const here = path.dirname(new URL(import.meta.url).pathname);
const modules = process.argv[2] || path.join(here, "node_modules");
const require = createRequire(path.join(modules, "noop.js"));
const yaml = require("js-yaml");

// "apps/v1" + "DaemonSet" -> kubernetes-models/apps/v1 .DaemonSet
function modelFor(apiVersion, kind) {
  const [group, version] = apiVersion.includes("/") ? apiVersion.split("/") : ["", apiVersion];
  const module = require(group ? `kubernetes-models/${group}/${version}` : `kubernetes-models/${version}`);
  if (!module[kind]) throw new Error(`no schema for ${apiVersion} ${kind}`);
  return module[kind];
}

let failures = 0, checked = 0;
for (const file of fs.readdirSync(here).filter((f) => f.endsWith(".yaml")).sort()) {
  const docs = yaml.loadAll(fs.readFileSync(path.join(here, file), "utf8")).filter(Boolean);
  for (const doc of docs) {
    const what = `${file}: ${doc.kind} ${doc.metadata?.name}`;
    try {
      new (modelFor(doc.apiVersion, doc.kind))(doc).validate();
      checked++;
      console.log(`ok    ${what}`);
    } catch (e) {
      failures++;
      console.log(`FAIL  ${what}: ${e.message}`);
    }
  }
}
console.log(`${checked} valid, ${failures} invalid`);
process.exit(failures === 0 && checked > 0 ? 0 : 1);
