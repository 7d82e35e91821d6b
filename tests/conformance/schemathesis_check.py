"""Response-schema conformance of the emulator against Box's OpenAPI description.

Usage: BOX_EMULATOR_ADMIN_SECRET=... python schemathesis_check.py <emulator base url> <token>

Runs schemathesis (as a library, so every request, seed and bound is fixed
here) against every operation the emulator serves, as listed in
crates/box-emulator/src/v2/operations.md:

* pass "random ids": generated requests (valid and invalid) with generated ids;
* pass "real ids": generated requests whose path ids are those of records
  created first through the API (a folder, a file, a version, a comment, a
  task and its assignment, a collaboration, a webhook, an upload session,
  Favorites, the users, a group and a membership).

Each response is checked with schemathesis' `not_a_server_error` and
`response_schema_conformance` checks against Box's description as vendored in
crates/box-v2/spec/box-openapi.json, with the patches of errata.json applied
first (each names where Box's description is itself wrong, with the
evidence). Exits non-zero on any server error or schema violation, printing
each (deduplicated per operation and kind) with the request that caused it.
"""

import copy
import json
import os
import re
import sys
import time
import traceback

import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
SPEC = os.path.join(ROOT, "crates", "box-v2", "spec", "box-openapi.json")
TABLE = os.path.join(ROOT, "crates", "box-emulator", "src", "v2", "operations.md")
ERRATA = os.path.join(os.path.dirname(os.path.abspath(__file__)), "errata.json")

# Bounds: examples per operation per generation mode and pass.
EXAMPLES = int(os.environ.get("CONFORMANCE_EXAMPLES", "8"))
SEED = 20261130
METHODS = ("get", "put", "post", "delete", "options", "head", "patch")


def served_operations():
    """(method, emulator path, operation id) of every served row, and the row count."""
    rows, served = 0, []
    for line in open(TABLE, encoding="utf-8"):
        cells = [c.strip().strip("`") for c in line.strip().strip("|").split("|")]
        if len(cells) != 4 or not cells[1].startswith("/"):
            continue
        rows += 1
        if cells[3] == "yes":
            served.append((cells[0].lower(), cells[1], cells[2]))
    return served, rows


def pointer_parts(pointer):
    return [p.replace("~1", "/").replace("~0", "~") for p in pointer.lstrip("/").split("/")]


def get_pointer(doc, pointer):
    for part in pointer_parts(pointer):
        doc = doc[int(part)] if isinstance(doc, list) else doc[part]
    return doc


def apply_patch(doc, patch):
    """RFC 6902 add/remove/replace/move on a JSON document (what the errata need)."""
    if patch["op"] == "move":
        value = copy.deepcopy(get_pointer(doc, patch["from"]))
        apply_patch(doc, {"op": "remove", "path": patch["from"]})
        apply_patch(doc, {"op": "add", "path": patch["path"], "value": value})
        return
    *parents, last = pointer_parts(patch["path"])
    target = doc
    for part in parents:
        target = target[int(part)] if isinstance(target, list) else target[part]
    op = patch["op"]
    if isinstance(target, list):
        if op == "add":
            target.insert(len(target) if last == "-" else int(last), patch["value"])
        elif op == "remove":
            del target[int(last)]
        else:
            target[int(last)] = patch["value"]
    else:
        if op in ("add", "replace"):
            if op == "replace" and last not in target:
                raise KeyError(f"{patch['path']} does not exist")
            target[last] = patch["value"]
        elif op == "remove":
            del target[last]
        else:
            raise ValueError(f"unsupported op {op}")


def remove_value(doc, path, value):
    """Removes `value` from the list at `path` (stable under spec reordering)."""
    target = get_pointer(doc, path)
    if value not in target:
        raise KeyError(f"{value!r} is not in {path}")
    target.remove(value)


def load_spec(served):
    spec = json.load(open(SPEC, encoding="utf-8"))
    errata = json.load(open(ERRATA, encoding="utf-8"))
    for entry in errata:
        for patch in entry["patches"]:
            if patch["op"] == "drop-optional-query-parameter":
                continue  # applied per operation below
            if patch["op"] == "remove-value":
                remove_value(spec, patch["path"], patch["value"])
            else:
                apply_patch(spec, patch)
    by_id = {}
    for path, item in spec["paths"].items():
        for method in METHODS:
            if method in item:
                by_id[item[method]["operationId"]] = (path, item, method)
    dropped = {p["name"] for e in errata for p in e["patches"] if p["op"] == "drop-optional-query-parameter"}
    paths = {}
    for method, emulator_path, op_id in served:
        path, item, m = by_id[op_id]
        assert m == method, (op_id, m, method)
        operation = copy.deepcopy(item[method])
        operation.pop("servers", None)
        if "parameters" in operation:
            operation["parameters"] = [
                p for p in operation["parameters"]
                if not (p.get("in") == "query" and p.get("name") in dropped and not p.get("required"))
            ]
        key = emulator_path + ("#" + op_id.split("#", 1)[1] if "#" in op_id else "")
        entry = paths.setdefault(key, {})
        if "parameters" in item:
            entry["parameters"] = item["parameters"]
        entry[method] = operation
    spec["paths"] = paths
    spec["servers"] = [{"url": "/"}]
    return spec, errata


def seed_records(base, token, other_token):
    """Creates one record of each kind through the API; returns path ids."""
    h = {"authorization": f"Bearer {token}"}

    def call(method, url, **kw):
        r = requests.request(method, base + url, headers=h, timeout=30, **kw)
        if r.status_code >= 300:
            raise SystemExit(f"seeding: {method} {url} -> {r.status_code} {r.text}")
        return r.json() if r.content else {}

    other = requests.get(base + "/2.0/users/me", headers={"authorization": f"Bearer {other_token}"}, timeout=30).json()
    me = call("GET", "/2.0/users/me")
    folder = call("POST", "/2.0/folders", json={"name": "conformance", "parent": {"id": "0"}})
    attrs = json.dumps({"name": "seeded.txt", "parent": {"id": folder["id"]}})
    up = call("POST", "/api/2.0/files/content", files={"attributes": (None, attrs), "file": ("seeded.txt", b"one")})
    file = up["entries"][0]
    call("POST", f"/api/2.0/files/{file['id']}/content",
         files={"attributes": (None, json.dumps({"name": "seeded.txt"})), "file": ("seeded.txt", b"two")})
    versions = call("GET", f"/2.0/files/{file['id']}/versions")
    comment = call("POST", "/2.0/comments", json={"message": "seeded", "item": {"type": "file", "id": file["id"]}})
    task = call("POST", "/2.0/tasks", json={"item": {"type": "file", "id": file["id"]}, "action": "review"})
    collab = call("POST", "/2.0/collaborations",
                  json={"item": {"type": "folder", "id": folder["id"]},
                        "accessible_by": {"type": "user", "id": other["id"]}, "role": "viewer"})
    assignment = call("POST", "/2.0/task_assignments",
                      json={"task": {"type": "task", "id": task["id"]}, "assign_to": {"id": other["id"]}})
    hook = call("POST", "/2.0/webhooks",
                json={"target": {"type": "folder", "id": folder["id"]}, "address": "http://127.0.0.1:9/hook",
                      "triggers": ["FILE.UPLOADED"]})
    session = call("POST", "/api/2.0/files/upload_sessions",
                   json={"folder_id": folder["id"], "file_size": 3, "file_name": "session.bin"})
    favorites = call("GET", "/2.0/collections")["entries"][0]
    trashed = call("POST", "/2.0/folders", json={"name": "trashed", "parent": {"id": folder["id"]}})
    requests.delete(base + f"/2.0/folders/{trashed['id']}", headers=h, timeout=30)
    link = call("POST", "/2.0/web_links", json={"url": "https://example.com/seeded", "parent": {"id": folder["id"]}})
    trashed_link = call("POST", "/2.0/web_links",
                        json={"url": "https://example.com/trashed", "parent": {"id": folder["id"]}})
    requests.delete(base + f"/2.0/web_links/{trashed_link['id']}", headers=h, timeout=30)
    # A started zip download, so its status answers (its content URL answers once).
    zipped = call("POST", "/2.0/zip_downloads", json={"items": [{"type": "folder", "id": folder["id"]}]})
    requests.get(zipped["download_url"], timeout=30).content
    zip_id = zipped["status_url"].rsplit("/", 2)[-2]
    group = call("POST", "/2.0/groups", json={"name": "conformance group"})
    membership = call("POST", "/2.0/group_memberships",
                      json={"group": {"id": group["id"]}, "user": {"id": other["id"]}})
    call("POST", "/2.0/collaborations",
         json={"item": {"type": "folder", "id": folder["id"]},
               "accessible_by": {"type": "group", "id": group["id"]}, "role": "editor"})
    return {
        "file_id": file["id"],
        "folder_id": folder["id"],
        "file_version_id": versions["entries"][0]["id"] if versions.get("entries") else file["file_version"]["id"],
        "comment_id": comment["id"],
        "task_id": task["id"],
        "task_assignment_id": assignment["id"],
        "collaboration_id": collab["id"],
        "webhook_id": hook["id"],
        "upload_session_id": session["id"],
        "collection_id": favorites["id"],
        "user_id": me["id"],
        "web_link_id": link["id"],
        "zip_download_id": zip_id,
        "group_id": group["id"],
        "group_membership_id": membership["id"],
    }, {"folder_id": trashed["id"], "web_link_id": trashed_link["id"]}


def path_ids(operation, ids, trashed):
    names = re.findall(r"{([^}]+)}", operation.path)
    values = {}
    for name in names:
        if name not in ids:
            return None
        values[name] = ids[name]
    # The trash operations of a folder or web link want a trashed one.
    if operation.path.endswith("/trash"):
        for name, trashed_id in trashed.items():
            if name in values:
                values[name] = trashed_id
    return values


def main():
    base, token = sys.argv[1], sys.argv[2]
    other_token = requests.post(
        f"{base}/_emulator/users", json={"name": "Second User", "login": "second@example.com"},
        headers={"x-box-emulator-admin-secret": os.environ["BOX_EMULATOR_ADMIN_SECRET"]}, timeout=30,
    ).json()["access_token"]
    served, total = served_operations()
    spec, errata = load_spec(served)
    ids, trashed = seed_records(base, token, other_token)
    schema = schemathesis.openapi.from_dict(spec)
    operations = [r.ok() for r in schema.get_all_operations()]
    # Destructive operations last, so the others see the seeded records.
    operations.sort(key=lambda op: (op.method.upper() == "DELETE", op.path, op.method))
    session = requests.Session()
    headers = {"Authorization": f"Bearer {token}"}
    failures = {}
    counts = {"requests": 0, "server_errors": 0, "schema_violations": 0, "unsatisfiable": 0}
    started = time.monotonic()
    timings = []

    def run(operation, mode, path_parameters, label):
        strategy = operation.as_strategy(generation_mode=mode, path_parameters=path_parameters)

        @seed(SEED)
        @settings(max_examples=EXAMPLES, deadline=None, database=None,
                  phases=[Phase.generate], suppress_health_check=list(HealthCheck), print_blob=False)
        @given(case=strategy)
        def test(case):
            counts["requests"] += 1
            try:
                response = case.call(base_url=base, session=session, headers=headers, timeout=30,
                                     allow_redirects=False)
            except requests.RequestException as e:
                record(operation, "connection", f"{type(e).__name__}: {e}", case, None)
                return
            for check, kind in ((not_a_server_error, "server_errors"),
                                (response_schema_conformance, "schema_violations")):
                try:
                    case.validate_response(response, checks=[check])
                except (AssertionError, BaseExceptionGroup) as e:  # schemathesis groups failures
                    counts[kind] += 1
                    inner = getattr(e, "exceptions", [e])
                    record(operation, kind, "\n".join(f"{type(x).__name__}: {x}" for x in inner), case, response)

        def record(operation, kind, message, case, response):
            key = (operation.label, kind, label)
            if key in failures:
                failures[key]["count"] += 1
                return
            failures[key] = {
                "count": 1,
                "message": message[:3000],
                "request": case.as_curl_command(headers=headers)[:1500],
                "status": response.status_code if response is not None else None,
                "body": response.text[:800] if response is not None else None,
            }

        t0 = time.monotonic()
        try:
            test()
        except Unsatisfiable:
            # No request can violate the schema (e.g. a lone string path id):
            # nothing to send in negative mode.
            counts["unsatisfiable"] += 1
        except (Exception, BaseExceptionGroup):
            failures[(operation.label, "generation", label)] = {
                "count": 1, "message": traceback.format_exc()[-2000:], "request": "", "status": None, "body": None}
        timings.append((time.monotonic() - t0, operation.label, label))

    def can_be_invalid(operation):
        """Whether any invalid request exists: a body, a query parameter, or a path or header
        parameter that is more than a free-form string."""
        item = spec["paths"][operation.path]
        raw = item[operation.method.lower()]
        params = raw.get("parameters", []) + item.get("parameters", [])
        return "requestBody" in raw or any(
            p["in"] not in ("path", "header")
            or p.get("schema", {}).get("type") != "string"
            or any(k in p.get("schema", {}) for k in ("enum", "pattern", "format", "minLength", "maxLength"))
            for p in params
        )

    for operation in operations:
        run(operation, GenerationMode.POSITIVE, None, "random ids, positive")
        if can_be_invalid(operation):
            run(operation, GenerationMode.NEGATIVE, None, "random ids, negative")
    real = 0
    for operation in operations:
        values = path_ids(operation, ids, trashed)
        if values:
            real += 1
            run(operation, GenerationMode.POSITIVE, values, "real ids")

    elapsed = time.monotonic() - started
    if os.environ.get("CONFORMANCE_TIMINGS"):
        for t, op, label in sorted(timings, reverse=True)[:15]:
            print(f"{t:6.1f}s {op} ({label})")
    for (label, kind, run_label), f in sorted(failures.items()):
        print(f"\n--- {kind}: {label} ({run_label}; {f['count']}x)")
        print(f["message"])
        print(f"request: {f['request']}")
        print(f"status: {f['status']} body: {f['body']}")
    print(
        f"\nconformance: served {len(served)} of {total} operations of Box's description; "
        f"{len(operations)} tested with random ids, {real} also with real ids; "
        f"{counts['requests']} requests in {elapsed:.0f}s (seed {SEED}, {EXAMPLES} examples per operation and mode); "
        f"{counts['server_errors']} server errors, {counts['schema_violations']} schema violations; "
        f"{len(errata)} errata"
    )
    if failures:
        sys.exit(1)


if __name__ == "__main__":
    main()
