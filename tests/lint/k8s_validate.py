"""Offline validation of the Kubernetes manifests in a folder (deploy/k8s).

Each document is checked against the Kubernetes API's own models, as the
official Python client (Debian's python3-kubernetes) defines them: every field
must be one the API knows, of the type it has, and the fields the API requires
must be there. Then what a schema cannot see: every Deployment's selector
matches its pods, its containers' probes name ports they open (startup and
readiness on /healthz), a Service and a PodDisruptionBudget select it, every
volume names a ConfigMap, Secret (and keys) or claim that the folder defines,
nothing binds 0.0.0.0, the kustomization lists every file, and every
"duban-SVC:PORT" in the configuration is a port of that Service.

    k8s_validate.py DIR      exit 0 when valid; each fault on its own line
"""
import glob
import os
import re
import sys

import yaml
from kubernetes import client

KINDS = {
    ("v1", "ConfigMap"): "V1ConfigMap",
    ("v1", "Secret"): "V1Secret",
    ("v1", "Service"): "V1Service",
    ("v1", "PersistentVolumeClaim"): "V1PersistentVolumeClaim",
    ("apps/v1", "Deployment"): "V1Deployment",
    ("policy/v1", "PodDisruptionBudget"): "V1PodDisruptionBudget",
}
faults = []


def fault(where, what):
    faults.append(f"{where}: {what}")


def check_type(value, typ, where):
    """value against an openapi type name of the client's models."""
    if value is None:
        return
    if typ == "object":
        return
    if typ == "str":
        if not isinstance(value, str):
            fault(where, f"expected a string, found {type(value).__name__}")
    elif typ == "int":
        if not isinstance(value, int) or isinstance(value, bool):
            fault(where, f"expected an integer, found {type(value).__name__}")
    elif typ == "bool":
        if not isinstance(value, bool):
            fault(where, f"expected true or false, found {type(value).__name__}")
    elif typ == "float":
        if not isinstance(value, (int, float)) or isinstance(value, bool):
            fault(where, "expected a number")
    elif typ == "datetime":
        if not isinstance(value, str):
            fault(where, "expected a time")
    elif typ.startswith("list["):
        if not isinstance(value, list):
            fault(where, "expected a list")
            return
        for i, item in enumerate(value):
            check_type(item, typ[5:-1], f"{where}[{i}]")
    elif typ.startswith("dict("):
        if not isinstance(value, dict):
            fault(where, "expected a mapping")
            return
        inner = typ[5:-1].split(", ", 1)[1]
        for k, v in value.items():
            check_type(v, inner, f"{where}.{k}")
    else:
        check_model(value, typ, where)


def check_model(value, model_name, where):
    model = getattr(client, model_name, None)
    if model is None:
        fault(where, f"the client has no model {model_name}")
        return
    if not isinstance(value, dict):
        fault(where, f"expected a {model_name} mapping")
        return
    by_json = {json_name: attr for attr, json_name in model.attribute_map.items()}
    for key, v in value.items():
        if key not in by_json:
            fault(where, f"unknown field {key!r} for {model_name}")
            continue
        check_type(v, model.openapi_types[by_json[key]], f"{where}.{key}")


def check_required(doc, model_name, where):
    """The client's models refuse a missing required field when built."""
    api = client.ApiClient()
    try:
        api._ApiClient__deserialize(doc, model_name)
    except (ValueError, TypeError) as e:
        fault(where, f"not a valid {model_name}: {e}")


def selects(selector, labels):
    return all(labels.get(k) == v for k, v in (selector or {}).items())


def main(folder):
    docs = []
    files = sorted(glob.glob(os.path.join(folder, "*.yaml")))
    for path in files:
        name = os.path.basename(path)
        if name == "kustomization.yaml":
            continue
        text = open(path, encoding="utf-8").read()
        if "0.0.0.0" in text:
            fault(name, "binds 0.0.0.0: bind the pod's own address ($(POD_IP))")
        for i, doc in enumerate(yaml.safe_load_all(text)):
            if doc is None:
                continue
            where = f"{name}#{i + 1} {doc.get('kind')}/{doc.get('metadata', {}).get('name')}"
            model = KINDS.get((doc.get("apiVersion"), doc.get("kind")))
            if not model:
                fault(where, f"unexpected apiVersion/kind {doc.get('apiVersion')}/{doc.get('kind')}")
                continue
            check_model(doc, model, where)
            check_required(doc, model, where)
            docs.append((where, doc))

    kust = os.path.join(folder, "kustomization.yaml")
    listed = set(yaml.safe_load(open(kust)).get("resources", [])) if os.path.exists(kust) else set()
    for path in files:
        name = os.path.basename(path)
        if name != "kustomization.yaml" and name not in listed:
            fault("kustomization.yaml", f"does not list {name}")

    by_kind = {}
    for where, doc in docs:
        by_kind.setdefault(doc["kind"], {})[doc["metadata"]["name"]] = doc
    secrets = by_kind.get("Secret", {})
    for name, dep in by_kind.get("Deployment", {}).items():
        where = f"Deployment/{name}"
        spec = dep.get("spec", {})
        pod = spec.get("template", {})
        labels = pod.get("metadata", {}).get("labels", {})
        if not selects(spec.get("selector", {}).get("matchLabels"), labels):
            fault(where, "its selector does not match its pods' labels")
        if not any(selects(s["spec"].get("selector"), labels) for s in by_kind.get("Service", {}).values()):
            fault(where, "no Service selects its pods")
        if not any(selects(p["spec"].get("selector", {}).get("matchLabels"), labels)
                   for p in by_kind.get("PodDisruptionBudget", {}).values()):
            fault(where, "no PodDisruptionBudget selects its pods")
        podspec = pod.get("spec", {})
        for c in podspec.get("containers", []):
            ports = {p.get("name") for p in c.get("ports", [])} | {p.get("containerPort") for p in c.get("ports", [])}
            for kind in ("startupProbe", "readinessProbe", "livenessProbe"):
                probe = c.get(kind)
                if not probe:
                    fault(where, f"container {c.get('name')} has no {kind}")
                    continue
                target = probe.get("httpGet") or probe.get("tcpSocket") or {}
                if target.get("port") not in ports:
                    fault(where, f"{kind} port {target.get('port')!r} is not a port of the container")
                if kind != "livenessProbe" and (probe.get("httpGet") or {}).get("path") != "/healthz":
                    fault(where, f"{kind} does not ask /healthz")
            defined = set()
            for e in c.get("env", []):
                for ref in re.findall(r"\$\(([A-Z_]+)\)", e.get("value", "")):
                    if ref not in defined:
                        fault(where, f"env {e['name']} uses $({ref}) before it is defined")
                defined.add(e["name"])
            mounts = {m["name"] for m in c.get("volumeMounts", [])}
            for v in podspec.get("volumes", []):
                if v["name"] not in mounts:
                    fault(where, f"volume {v['name']} is not mounted")
        for v in podspec.get("volumes", []):
            if "configMap" in v and v["configMap"]["name"] not in by_kind.get("ConfigMap", {}):
                fault(where, f"volume {v['name']}: no ConfigMap {v['configMap']['name']}")
            if "secret" in v:
                s = secrets.get(v["secret"]["secretName"])
                if not s:
                    fault(where, f"volume {v['name']}: no Secret {v['secret']['secretName']}")
                else:
                    keys = set(s.get("stringData", {})) | set(s.get("data", {}))
                    for item in v["secret"].get("items", []):
                        if item["key"] not in keys:
                            fault(where, f"volume {v['name']}: Secret has no key {item['key']}")
            if "persistentVolumeClaim" in v and v["persistentVolumeClaim"]["claimName"] not in by_kind.get("PersistentVolumeClaim", {}):
                fault(where, f"volume {v['name']}: no claim {v['persistentVolumeClaim']['claimName']}")

    services = by_kind.get("Service", {})
    for cm_name, cm in by_kind.get("ConfigMap", {}).items():
        for text in cm.get("data", {}).values():
            for svc, port in re.findall(r"\b(duban-[a-z]+):(\d+)", text):
                ports = {p["port"] for p in services.get(svc, {}).get("spec", {}).get("ports", [])}
                if int(port) not in ports:
                    fault(f"ConfigMap/{cm_name}", f"{svc}:{port} is not a port of Service {svc}")

    for f in faults:
        print(f)
    print(f"{len(docs)} documents checked, {len(faults)} fault(s)")
    return 1 if faults else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
