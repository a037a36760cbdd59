# The Kubernetes manifests in deploy/k8s are valid offline against the
# Kubernetes API's models (tests/lint/k8s_validate.py: fields, types, required
# fields, then probes on /healthz, Services, PodDisruptionBudgets, Secrets and
# claims that exist, no 0.0.0.0), and the validator does refuse broken ones.
set -euo pipefail
src=${DUBAN_SOURCE_DIR:?run through ctest (tools/test)}
fail() { echo "FAIL k8s: $*" >&2; exit 1; }
py=/usr/bin/python3
"$py" -c 'import kubernetes, yaml' 2>/dev/null || fail "python3-kubernetes and python3-yaml are missing (DUBAN_PACKAGES)"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/duban-k8s.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

"$py" "$src/tests/lint/k8s_validate.py" "$src/deploy/k8s" >"$tmp/out" 2>&1 || { cat "$tmp/out" >&2; fail "deploy/k8s is not valid"; }
for svc in intake triage dispatch watch bulletin web; do
  grep -q "^kind: Deployment" "$src/deploy/k8s/$svc.yaml" || fail "no Deployment for $svc"
done

# Each kind of fault is found: (sed expression, what the validator must say)
broken() {
  rm -rf "$tmp/k8s" && cp -r "$src/deploy/k8s" "$tmp/k8s"
  sed -i "$1" "$tmp/k8s/$2"
  if "$py" "$src/tests/lint/k8s_validate.py" "$tmp/k8s" >"$tmp/bad" 2>&1; then
    fail "the validator took a manifest with $3"
  fi
  grep -q "$4" "$tmp/bad" || { cat "$tmp/bad" >&2; fail "the validator did not say: $4"; }
}
broken 's/        readinessProbe:/        readinesProbe:/' triage.yaml "a misspelt field" "unknown field 'readinesProbe'"
broken 's/  replicas: 1/  replicas: "one"/' dispatch.yaml "a string for a number" "expected an integer"
broken 's/      - name: watch$/      - image2: x/' watch.yaml "a container without a name" "unknown field 'image2'"
broken 's/            port: health$/            port: healthz/' bulletin.yaml "a probe on no port" "is not a port of the container"
broken 's/path: \/healthz/path: \/ready/' web.yaml "a probe elsewhere" "does not ask /healthz"
broken 's/- key: fingerprint.key/- key: fingerprint.secret/' intake.yaml "a missing secret key" "Secret has no key fingerprint.secret"
broken 's/kind: PodDisruptionBudget/kind: PodDisruptionBudgetX/' triage.yaml "no budget" "unexpected apiVersion/kind"
broken 's/value: tcp:\/\/$(POD_IP):7103/value: tcp:\/\/0.0.0.0:7103/' triage.yaml "every address bound" "binds 0.0.0.0"
broken 's/duban-triage:7103/duban-triage:7199/' config.yaml "a port no Service has" "duban-triage:7199 is not a port"
# A required field: a container without its name (the API requires it).
broken '0,/      - name: triage$/s//      - imagePullPolicy: Always/' triage.yaml "a nameless container" "must not be .None."
echo "PASS k8s"
