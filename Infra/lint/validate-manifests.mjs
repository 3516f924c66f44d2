// Validates every object of a multi-document YAML stream (stdin: `kubectl kustomize Infra/k8s`) against its
// schema, offline: core and apps objects with kubernetes-models, KEDA's ScaledJob and TriggerAuthentication with
// @kubernetes-models/keda. An object whose apiVersion has no schema here is an error (nothing passes unchecked).
// Prints one line per object; exits 1 on the first problem list it finds.
import { readFileSync } from "node:fs";
import { parseAllDocuments } from "yaml";

const modules = {
  "v1": (kind) => `kubernetes-models/v1/${kind}`,
  "apps/v1": (kind) => `kubernetes-models/apps/v1/${kind}`,
  "batch/v1": (kind) => `kubernetes-models/batch/v1/${kind}`,
  "keda.sh/v1alpha1": (kind) => `@kubernetes-models/keda/keda.sh/v1alpha1/${kind}`,
};

const text = readFileSync(0, "utf8");
const docs = parseAllDocuments(text).map((d) => {
  if (d.errors.length > 0) throw new Error(`YAML: ${d.errors[0].message}`);
  return d.toJS();
}).filter((o) => o !== null);
if (docs.length === 0) {
  console.error("validate-manifests: no objects on stdin");
  process.exit(1);
}

let failed = 0;
for (const obj of docs) {
  const name = `${obj.apiVersion}/${obj.kind} ${obj.metadata?.name ?? "(no name)"}`;
  const path = modules[obj.apiVersion]?.(obj.kind);
  if (path === undefined) {
    console.error(`validate-manifests: ${name}: no schema for apiVersion ${obj.apiVersion}`);
    failed++;
    continue;
  }
  let Model;
  try {
    Model = (await import(path))[obj.kind];
  } catch {
    Model = undefined;
  }
  if (Model === undefined) {
    console.error(`validate-manifests: ${name}: no schema for kind ${obj.kind}`);
    failed++;
    continue;
  }
  try {
    new Model(obj).validate();
    console.log(`ok ${name}`);
  } catch (e) {
    const details = e.errors ? e.errors.map((x) => `${x.instancePath || "/"} ${x.message}`).join("; ") : e.message;
    console.error(`validate-manifests: ${name}: ${details}`);
    failed++;
  }
}
process.exit(failed > 0 ? 1 : 0);
