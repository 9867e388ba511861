#!/usr/bin/env bash
# Lints template.yaml with the tools pinned in local/lint-requirements.txt:
#   1. cfn-lint on template.yaml: no error and no warning.
#   2. cfn-lint on the template as CloudFormation will deploy it: the SAM transform applied
#      (aws-sam-translator) and the AWS::Include of the OpenAPI document expanded. This catches
#      what step 1 cannot: a Ref to a SAM-generated resource that does not exist (such as
#      IntakeFunctionAliaslive in functions/openapi.yaml), or a local CodeUri/DefinitionUri/
#      Location that is missing.
#   3. checkov on template.yaml: no failed check.
# Rule skips live only in the template, next to their reason (cfn-lint: Metadata cfn-lint
# ignore_checks; checkov: Metadata checkov skip with a comment).
#
# Needs only python3 (with its venv module). The tools live in a virtualenv under
#   ${CRYPTOPIPE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/cryptopipe}/lint-<hash>/
# where <hash> covers the requirements file and the Python version: made once, reused after, and
# made anew when the pins change. Quiet when clean: one summary line per check. On a finding it
# prints the report and exits 1 (2 for a setup problem).
#
# Usage: local/lint.sh [template]      (default: template.yaml at the repository root)
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
requirements="$here/lint-requirements.txt"
template="$(cd "$(dirname "${1:-$root/template.yaml}")" && pwd)/$(basename "${1:-$root/template.yaml}")"

say() { printf 'lint: %s\n' "$*" >&2; }
die() { say "$*"; exit 2; }

python="${PYTHON:-python3}"
command -v "$python" >/dev/null 2>&1 || die "python3 is needed (or set PYTHON to an interpreter)"
[[ -f "$requirements" ]] || die "missing $requirements"
[[ -f "$template" ]] || die "no template at $template"

cache="${CRYPTOPIPE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/cryptopipe}"
hash="$("$python" - "$requirements" <<'PY'
import hashlib, sys
digest = hashlib.sha256()
with open(sys.argv[1], "rb") as f:
    digest.update(f.read())
digest.update(("python %d.%d" % sys.version_info[:2]).encode())
print(digest.hexdigest()[:16])
PY
)"
venv="$cache/lint-$hash"
mkdir -p "$cache"

# One installer at a time per venv (parallel CI steps, two terminals); the others wait.
if command -v flock >/dev/null 2>&1; then
  exec 9>"$venv.lock"
  flock 9
fi

if [[ ! -f "$venv/.complete" ]]; then
  rm -rf "$venv"
  say "installing the pinned linters into $venv (once)"
  started=$SECONDS
  if ! "$python" -m venv "$venv" >/dev/null 2>&1; then
    rm -rf "$venv"
    die "python3 -m venv failed: install Python's venv module (Debian/Ubuntu: apt-get install python3-venv)"
  fi
  if ! "$venv/bin/python" -m pip install --quiet --disable-pip-version-check --no-input \
        -r "$requirements" >"$venv/install.log" 2>&1; then
    cat "$venv/install.log" >&2
    rm -rf "$venv"
    die "pip install -r $requirements failed (output above)"
  fi
  touch "$venv/.complete"
  say "linters installed in $((SECONDS - started)) s"
fi

bin="$venv/bin"
shown="${template#"$root"/}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
status=0
cfn_version="$("$bin/cfn-lint" --version 2>/dev/null | awk '{print $NF}')"

# cfn-lint's exit code is a bit mask (2 error, 4 warning, 8 informational); with
# --non-zero-exit-code warning, any error or warning fails. Informational findings are not shown
# by default and never fail.
run_cfn_lint() { # label file
  local label="$1" file="$2" out rc errors warnings
  set +e
  out="$("$bin/cfn-lint" --non-zero-exit-code warning --format parseable -- "$file" 2>&1)"
  rc=$?
  set -e
  if [[ $rc -eq 0 ]]; then
    printf 'cfn-lint %s: %s clean (0 errors, 0 warnings)\n' "$cfn_version" "$label"
  else
    printf '%s\n' "$out"
    errors="$(grep -c ':E[0-9]' <<<"$out" || true)"
    warnings="$(grep -c ':W[0-9]' <<<"$out" || true)"
    printf 'cfn-lint %s: %s FAILED (%s errors, %s warnings)\n' "$cfn_version" "$label" "$errors" "$warnings"
    status=1
  fi
}

# --- 1. the template as written
run_cfn_lint "$shown" "$template"

# --- 2. the template as deployed: SAM transform, then AWS::Include expanded
deployed="$work/deployed.json"
set +e
transform_out="$(cd "$root" && AWS_DEFAULT_REGION="${AWS_DEFAULT_REGION:-us-east-1}" \
  "$bin/python" - "$root" "$template" "$deployed" 2>&1 <<'PY'
import json, logging, os, sys
logging.disable(logging.WARNING)
from cfnlint.decode import decode
from samtranslator import __version__ as sam_version
from samtranslator.translator.transform import transform

root, path, target = sys.argv[1], sys.argv[2], sys.argv[3]
base = os.path.dirname(path)
template, matches = decode(path)
if matches or template is None:
    print("\n".join(str(m) for m in matches or ["cannot read " + path]))
    sys.exit(1)
template = json.loads(json.dumps(template))
problems, includes = [], {}

def local(kind, name, value):
    """A local path that `sam package` would upload: it must exist."""
    if isinstance(value, str) and not value.startswith("s3://"):
        if not os.path.exists(os.path.join(base, value)):
            problems.append(f"{name}: {kind} '{value}' does not exist")
        return True
    return False

for name, res in template.get("Resources", {}).items():
    props = res.get("Properties") or {}
    kind = res.get("Type")
    if kind == "AWS::Serverless::Function" and local("CodeUri", name, props.get("CodeUri")):
        props["CodeUri"] = f"s3://package-bucket/{name}.zip"
    if kind == "AWS::Serverless::StateMachine" and local("DefinitionUri", name, props.get("DefinitionUri")):
        props["DefinitionUri"] = f"s3://package-bucket/{name}.json"
    body = props.get("DefinitionBody")
    if isinstance(body, dict) and isinstance(body.get("Fn::Transform"), dict):
        params = body["Fn::Transform"].get("Parameters") or {}
        location = params.get("Location")
        if local("AWS::Include Location", name, location):
            key = f"s3://package-bucket/{name}.yaml"
            includes[key] = os.path.join(base, location)
            params["Location"] = key

class NoManagedPolicies:
    def load(self):
        return {}

deployed = None
if not problems:
    try:
        deployed = transform(template, {}, NoManagedPolicies())
    except Exception as e:  # InvalidDocumentException carries one cause per finding
        for cause in getattr(e, "causes", None) or [e]:
            problems.append("SAM transform: " + (getattr(cause, "message", None) or str(cause)))

def expand(node):
    """CloudFormation runs AWS::Include after the SAM transform: do the same."""
    if isinstance(node, dict):
        spec = node.get("Fn::Transform")
        if len(node) == 1 and isinstance(spec, dict) and spec.get("Name") == "AWS::Include":
            location = (spec.get("Parameters") or {}).get("Location")
            snippet, found = decode(includes.get(location, ""))
            if found or snippet is None:
                problems.append(f"AWS::Include {location}: " + "; ".join(str(m) for m in found or ["unreadable"]))
                return node
            return json.loads(json.dumps(snippet))
        return {k: expand(v) for k, v in node.items()}
    if isinstance(node, list):
        return [expand(v) for v in node]
    return node

if deployed is not None:
    deployed = expand(deployed)
    with open(target, "w") as f:
        json.dump(deployed, f, indent=1)
for p in problems:
    print(p)
print(f"aws-sam-translator {sam_version}")
sys.exit(1 if problems else 0)
PY
)"
transform_rc=$?
set -e
sam_version="$(tail -n 1 <<<"$transform_out")"
if [[ $transform_rc -eq 0 ]]; then
  run_cfn_lint "$shown as deployed ($sam_version transform, AWS::Include expanded)" "$deployed"
else
  sed '$d' <<<"$transform_out"
  printf '%s: %s FAILED to transform\n' "$sam_version" "$shown"
  status=1
fi

# --- 3. checkov: exit 1 on any failed check. --skip-download keeps it off the network (no
# platform guidelines or severities), so it runs the same offline.
checkov_version="$("$bin/checkov" --version 2>/dev/null | tail -n 1)"
export BC_SKIP_MAPPING=TRUE
set +e
"$bin/checkov" -f "$template" --framework cloudformation --skip-download --output json \
  >"$work/checkov.json" 2>"$work/checkov.err"
ck_rc=$?
set -e
read -r ck_passed ck_failed ck_skipped ck_parse_errors < <("$bin/python" - "$work/checkov.json" <<'PY'
import json, sys
try:
    data = json.load(open(sys.argv[1]))
except (OSError, ValueError):
    data = {}
if isinstance(data, list):
    data = next((d for d in data if d.get("check_type") == "cloudformation"), {})
s = data.get("summary") or {}
print(s.get("passed", 0), s.get("failed", "?"), s.get("skipped", 0), s.get("parsing_errors", "?"))
PY
) || true
if [[ $ck_rc -eq 0 && "$ck_failed" == "0" && "$ck_parse_errors" == "0" && "${ck_passed:-0}" -gt 0 ]]; then
  printf 'checkov %s: %s clean (%s checks passed, %s failed, %s skipped in the template)\n' \
    "$checkov_version" "$shown" "$ck_passed" "$ck_failed" "$ck_skipped"
else
  "$bin/checkov" -f "$template" --framework cloudformation --skip-download --quiet --compact 2>&1 || true
  [[ -s "$work/checkov.err" ]] && tail -n 20 "$work/checkov.err"
  printf 'checkov %s: %s FAILED (%s checks passed, %s failed, %s parsing errors)\n' \
    "$checkov_version" "$shown" "${ck_passed:-?}" "${ck_failed:-?}" "${ck_parse_errors:-?}"
  status=1
fi

exit "$status"
