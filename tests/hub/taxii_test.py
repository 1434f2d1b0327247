#!/usr/bin/env python3
"""End-to-end test of the hub's TAXII 2.1 server (src/hub/taxii.h) over the real `rasid serve`.

  taxii_test.py RASID_BINARY SHARED_DIR CASE

Cases:
  protocol    discovery, API root, collections per role, media types (406/415), auth (401 with
              Bearer and Basic challenges, Basic works, 403), POST and its status resource,
              validation failures naming object and property, versions and every filter,
              bad parameters (400), DELETE, next tokens bound to caller/collection/endpoint.
  tlp_matrix  every TLP level and recipient form x every role of the source, a named and an
              unnamed authority x every endpoint that returns objects (objects, manifest,
              object, versions) in two collections: the answer must equal an independent
              statement of the policy (written here from the issue's rules, not from tlp.cc).
  pagination  for every collection and every reader: a limit=1 walk with `next` returns
              exactly the unpaged set, in date_added order, for objects, manifest and versions.
  sightings   indicator hits ingested as alerts become sightings (count, first/last seen, one
              per indicator, authority and UTC day), re-versioned by later batches; TLP applies.
  rest_tlp_matrix  alerts at every TLP level through the REST read paths (alerts, count,
              detections) and the dashboard, for every role of the source and other authorities.
  reports     a national incident becomes a STIX report (object_refs: the involved authorities'
              identities), read by the involved authorities and the coordinators only, and
              re-versioned when the incident changes.
"""
import base64
import shutil
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid

TAXII = "application/taxii+json;version=2.1"
RASID, SHARED, CASE = sys.argv[1], sys.argv[2], sys.argv[3]
failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL:", what, file=sys.stderr)
    return cond


class Hub:
    def __init__(self):
        self.tmp = tempfile.mkdtemp(prefix="rasid-taxii-")
        self.data = os.path.join(self.tmp, "hub")
        self.tokens = {}
        self.proc = None

    def admin(self, *args):
        out = subprocess.run([RASID, "admin", "--data", self.data, *args], check=True, capture_output=True, text=True)
        return out.stdout.strip().splitlines()[-1] if out.stdout.strip() else ""

    def token(self, authority, role):
        key = (authority, role)
        if key not in self.tokens:
            self.tokens[key] = self.admin("token", "create", "--authority", authority, "--role", role)
        return self.tokens[key]

    def start(self):
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        self.port = s.getsockname()[1]
        s.close()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log = open(os.path.join(self.tmp, "serve.log"), "ab")
        self.proc = subprocess.Popen([RASID, "serve", "--data", self.data, "--listen", f"127.0.0.1:{self.port}",
                                      "--insecure-http"], stdout=self.log, stderr=self.log)
        for _ in range(100):
            try:
                urllib.request.urlopen(self.base + "/healthz", timeout=1)
                return
            except OSError:
                time.sleep(0.1)
        raise SystemExit("hub did not start")

    def stop(self):
        if self.proc:
            self.proc.send_signal(signal.SIGTERM)
            self.proc.wait(timeout=30)
            self.proc = None

    def close(self):
        self.stop()
        if failures:
            with open(os.path.join(self.tmp, "serve.log"), errors="replace") as f:
                print("".join(f.readlines()[-15:]), file=sys.stderr)
        shutil.rmtree(self.tmp, ignore_errors=True)

    def request(self, method, path, token=None, body=None, headers=None, basic=None):
        h = {"Accept": TAXII}
        if token:
            h["Authorization"] = "Bearer " + token
        if basic:
            h["Authorization"] = "Basic " + base64.b64encode(basic.encode()).decode()
        if body is not None:
            h["Content-Type"] = TAXII
            body = json.dumps(body).encode() if not isinstance(body, bytes) else body
        h.update(headers or {})
        h = {k: v for k, v in h.items() if v is not None}
        req = urllib.request.Request(self.base + path, data=body, method=method, headers=h)
        try:
            with urllib.request.urlopen(req, timeout=30) as r:
                raw = r.read()
                return r.status, r.headers, (json.loads(raw) if raw else None)
        except urllib.error.HTTPError as e:
            raw = e.read()
            try:
                doc = json.loads(raw) if raw else None
            except ValueError:
                doc = raw
            return e.code, e.headers, doc

    def get(self, path, token, **kw):
        return self.request("GET", path, token, **kw)


def marking_ids():
    ids = {}
    for name in ("tlp1-marking-definitions.bundle.json", "tlp2-marking-definitions.bundle.json"):
        with open(os.path.join(SHARED, "data/stix/tlp", name)) as f:
            for o in json.load(f)["objects"]:
                prefix = "tlp1:" if name.startswith("tlp1") else ""
                ids[prefix + o["name"].split(":", 1)[1].lower()] = o["id"]
    return ids


def indicator(value, markings=None, recipients=None, modified="2026-11-01T00:00:00.000Z", oid=None):
    o = {"type": "indicator", "spec_version": "2.1", "id": oid or f"indicator--{uuid.uuid4()}",
         "created": "2026-11-01T00:00:00.000Z", "modified": modified, "name": value,
         "pattern": f"[ipv4-addr:value = '{value}']", "pattern_type": "stix", "valid_from": "2026-11-01T00:00:00Z"}
    if markings:
        o["object_marking_refs"] = markings
    if recipients is not None:
        o["x_rasid_recipients"] = recipients
    return o


def collections(hub, token):
    status, _, doc = hub.get("/taxii2/api/collections/", token)
    assert status == 200, (status, doc)
    return {c["alias"]: c for c in doc.get("collections", [])}


def walk(hub, path, token, limit, key="objects", params=None):
    """All items of an endpoint following `next`; returns (items, pages)."""
    items, pages, nxt = [], 0, None
    while True:
        q = dict(params or {})
        q["limit"] = str(limit)
        if nxt:
            q["next"] = nxt
        status, headers, doc = hub.get(path + "?" + urllib.parse.urlencode(q), token)
        if not check(status == 200, f"walk {path} {q}: status {status} {doc}"):
            return items, pages
        pages += 1
        got = doc.get(key, [])
        check(len(got) <= limit, f"walk {path}: page larger than limit {limit}")
        items += got
        if not doc.get("more"):
            check("next" not in doc, f"walk {path}: next without more")
            return items, pages
        nxt = doc.get("next")
        if not check(nxt, f"walk {path}: more without next"):
            return items, pages
        if pages > 5000:
            check(False, f"walk {path}: no end")
            return items, pages


def setup(hub, authorities=("alpha", "bravo", "charlie")):
    for a in authorities:
        hub.admin("authority", "add", a, "--sector", "government")
    hub.start()


# ---- protocol ------------------------------------------------------------------------------

def case_protocol():
    hub = Hub()
    setup(hub)
    coord = hub.token("alpha", "coordinator")
    analyst = hub.token("alpha", "analyst")
    other = hub.token("bravo", "analyst")
    sensor = hub.token("alpha", "sensor")
    admin = hub.token("alpha", "admin")
    try:
        status, _, doc = hub.get("/taxii2/", coord)
        check(status == 200 and doc["api_roots"] == ["/taxii2/api/"], f"discovery {status} {doc}")
        status, _, doc = hub.get("/taxii2/api/", coord)
        check(status == 200 and doc["versions"] == [TAXII] and doc["max_content_length"] > 0, f"api root {doc}")
        # Collections per role.
        cs = collections(hub, coord)
        check(set(cs) == {"indicators", "sightings", "reports", "authority-alpha", "authority-bravo",
                          "authority-charlie"}, f"coordinator collections {sorted(cs)}")
        check(cs["indicators"]["can_write"] and cs["reports"]["can_write"] and not cs["sightings"]["can_write"],
              "coordinator write flags")
        check(cs["authority-alpha"]["can_write"] and not cs["authority-bravo"]["can_write"], "authority write flags")
        cs_sensor = collections(hub, sensor)
        check(set(cs_sensor) == {"indicators", "authority-alpha", "authority-bravo", "authority-charlie"},
              f"sensor collections {sorted(cs_sensor)}")
        check(not any(c["can_write"] for c in cs_sensor.values()), "a sensor writes nowhere")
        cs_analyst = collections(hub, analyst)
        check(cs_analyst["authority-alpha"]["can_write"] and not cs_analyst["indicators"]["can_write"],
              "analyst write flags")
        ind_id = cs["indicators"]["id"]
        check(ind_id == collections(hub, other)["indicators"]["id"], "collection ids are the same for everyone")
        status, _, doc = hub.get(f"/taxii2/api/collections/{ind_id}/", coord)
        check(status == 200 and doc["alias"] == "indicators", f"collection by id {status}")
        status, _, doc = hub.get(f"/taxii2/api/collections/{uuid.uuid4()}/", coord)
        check(status == 404 and doc["http_status"] == "404" and "title" in doc, f"unknown collection {status} {doc}")
        status, _, _ = hub.get("/taxii2/api/collections/sightings/objects/", sensor)
        check(status == 404, f"a sensor does not see the sightings collection: {status}")

        # Auth.
        status, headers, doc = hub.get("/taxii2/", None)
        challenges = headers.get_all("WWW-Authenticate") or []
        check(status == 401 and doc.get("http_status") == "401", f"no token: {status} {doc}")
        check(any("Basic" in c for c in challenges) and any("Bearer" in c for c in challenges),
              f"challenges {challenges}")
        status, _, _ = hub.get("/taxii2/", None, basic="alpha:" + coord)
        check(status == 200, f"basic auth {status}")
        status, _, _ = hub.get("/taxii2/", None, basic="alpha:rsd_wrong_secret")
        check(status == 401, f"basic auth with a wrong token {status}")
        status, _, doc = hub.get("/taxii2/", admin)
        check(status == 403 and doc.get("http_status") == "403", f"admin is not a TAXII user {status}")

        # Media types.
        status, _, doc = hub.get("/taxii2/", coord, headers={"Accept": "application/json"})
        check(status == 406 and doc.get("http_status") == "406", f"Accept json -> 406 ({status})")
        status, _, _ = hub.get("/taxii2/", coord, headers={"Accept": "application/taxii+json;version=2.0"})
        check(status == 406, f"Accept version 2.0 -> 406 ({status})")
        status, _, _ = hub.get("/taxii2/", coord, headers={"Accept": "application/taxii+json"})
        check(status == 200, f"Accept without version -> 200 ({status})")
        one = indicator("198.51.100.1")
        status, _, doc = hub.request("POST", "/taxii2/api/collections/indicators/objects/", coord, body={"objects": [one]},
                                     headers={"Content-Type": "application/json"})
        check(status == 415 and doc.get("http_status") == "415", f"POST as application/json -> 415 ({status})")

        # POST: mixed good and bad objects; the status names object and property.
        good = [indicator(f"198.51.100.{i}") for i in range(1, 4)]
        bad_pattern = indicator("x")
        bad_pattern["pattern"] = "[ipv4-addr:value = "
        bad_valid = indicator("198.51.100.9")
        bad_valid["valid_until"] = "2020-01-01T00:00:00Z"
        bad_recipient = indicator("198.51.100.10", recipients=["nobody"])
        body = {"objects": good + [bad_pattern, bad_valid, bad_recipient, {"type": "indicator"}]}
        status, _, st = hub.request("POST", "/taxii2/api/collections/indicators/objects/", coord, body=body)
        check(status == 202, f"POST status {status} {st}")
        check(st["status"] == "complete" and st["total_count"] == 7 and st["success_count"] == 3
              and st["failure_count"] == 4 and st["pending_count"] == 0, f"status counts {st}")
        messages = {f.get("id", ""): f["message"] for f in st["failures"]}
        check("pattern" in messages.get(bad_pattern["id"], ""), f"pattern failure names the property: {messages}")
        check("valid_until" in messages.get(bad_valid["id"], ""), f"valid_until failure: {messages}")
        check("nobody" in messages.get(bad_recipient["id"], ""), f"recipient failure: {messages}")
        check("objects[6]" in messages.get("", ""), f"an object without id is named by position: {messages}")
        status, _, again = hub.get(f"/taxii2/api/status/{st['id']}/", coord)
        check(status == 200 and again == st, f"status resource {status}")
        status, _, _ = hub.get(f"/taxii2/api/status/{st['id']}/", other)
        check(status == 404, f"another authority's status is not found ({status})")
        status, _, _ = hub.request("POST", "/taxii2/api/collections/indicators/objects/", analyst, body={"objects": good})
        check(status == 403, f"an analyst does not write the national feed ({status})")
        status, _, _ = hub.request("POST", "/taxii2/api/collections/authority-bravo/objects/", analyst,
                                   body={"objects": good})
        check(status == 403, f"an analyst does not write another authority's collection ({status})")
        status, _, _ = hub.request("POST", "/taxii2/api/collections/sightings/objects/", coord, body={"objects": good})
        check(status == 403, f"nobody writes sightings ({status})")
        for raw in (b"{", b"[]", b'{"objects": 3}'):
            status, _, doc = hub.request("POST", "/taxii2/api/collections/indicators/objects/", coord, body=raw)
            check(status == 400 and doc.get("http_status") == "400", f"bad envelope {raw} -> {status}")
        # The same version again is a success that says so.
        status, _, st2 = hub.request("POST", "/taxii2/api/collections/indicators/objects/", coord,
                                     body={"objects": good[:1]})
        check(st2["success_count"] == 1 and "already" in st2["successes"][0].get("message", ""), f"duplicate {st2}")

        # An SCO with a random id is stored with advice; with its deterministic id, silently.
        sco = {"type": "ipv4-addr", "spec_version": "2.1", "id": f"ipv4-addr--{uuid.uuid4()}", "value": "198.51.100.77"}
        status, _, st3 = hub.request("POST", "/taxii2/api/collections/authority-alpha/objects/", analyst,
                                     body={"objects": [sco]})
        check(status == 202 and st3["success_count"] == 1 and "deterministic" in st3["successes"][0].get("message", ""),
              f"SCO advice {st3}")
        sco_id = "ipv4-addr--" + str(uuid.uuid5(uuid.UUID("00abedb4-aa42-466c-9c01-fed23315a9b7"),
                                               '{"value":"198.51.100.78"}'))
        status, _, st3 = hub.request("POST", "/taxii2/api/collections/authority-alpha/objects/", analyst,
                                     body={"objects": [dict(sco, id=sco_id, value="198.51.100.78")]})
        check(status == 202 and st3["success_count"] == 1 and "message" not in st3["successes"][0],
              f"deterministic SCO id {st3}")

        # Versions and the version filters.
        vid = f"indicator--{uuid.uuid4()}"
        stamps = ["2026-11-02T00:00:00.000Z", "2026-11-03T00:00:00.000Z", "2026-11-04T00:00:00.000Z"]
        for s in stamps:
            status, _, _ = hub.request("POST", "/taxii2/api/collections/indicators/objects/", coord,
                                       body={"objects": [indicator("203.0.113.7", modified=s, oid=vid)]})
            check(status == 202, "post a version")
        base = f"/taxii2/api/collections/indicators/objects/{vid}/"
        status, _, doc = hub.get(base + "versions/", coord)
        check(status == 200 and doc["versions"] == stamps, f"versions {doc}")

        def versions_of(params):
            _, _, d = hub.get(base + "?" + urllib.parse.urlencode(params), coord)
            return [o["modified"] for o in d.get("objects", [])]
        check(versions_of({}) == [stamps[2]], "object: last by default")
        check(versions_of({"match[version]": "first"}) == [stamps[0]], "match[version]=first")
        check(versions_of({"match[version]": "all"}) == stamps, "match[version]=all")
        check(versions_of({"match[version]": stamps[1]}) == [stamps[1]], "match[version]=timestamp")
        check(versions_of({"match[version]": "first," + stamps[2]}) == [stamps[0], stamps[2]], "first,timestamp")
        check(versions_of({"match[version]": "2026-01-01T00:00:00.000Z"}) == [], "a version that does not exist")
        status, _, _ = hub.get(f"/taxii2/api/collections/indicators/objects/indicator--{uuid.uuid4()}/", coord)
        check(status == 404, "unknown object -> 404")

        # Filters on the objects endpoint.
        path = "/taxii2/api/collections/indicators/objects/"
        everything, _ = walk(hub, path, coord, 1000)
        types = {o["type"] for o in everything}
        check(types == {"indicator", "identity"}, f"types in the feed {types}")
        only, _ = walk(hub, path, coord, 1000, params={"match[type]": "identity"})
        check(only and all(o["type"] == "identity" for o in only), "match[type]")
        some, _ = walk(hub, path, coord, 1000, params={"match[id]": ",".join([good[0]["id"], vid])})
        check(sorted(o["id"] for o in some) == sorted([good[0]["id"], vid]), "match[id] with two ids")
        spec20, _ = walk(hub, path, coord, 1000, params={"match[spec_version]": "2.0"})
        check(spec20 == [], "match[spec_version]=2.0: nothing")
        status, headers, doc = hub.get(path + "?limit=2", coord)
        first_added = headers.get("X-TAXII-Date-Added-First")
        last_added = headers.get("X-TAXII-Date-Added-Last")
        check(first_added and last_added and first_added <= last_added, f"date-added headers {headers}")
        later, _ = walk(hub, path, coord, 1000, params={"added_after": last_added})
        _, _, manifest = hub.get("/taxii2/api/collections/indicators/manifest/?limit=1000", coord)
        expected_later = [m["id"] for m in manifest["objects"] if m["date_added"] > last_added]
        check([o["id"] for o in later] == expected_later and len(later) == len(everything) - 2,
              f"added_after: {len(later)} of {len(everything)}")
        check(all(m["media_type"] == "application/stix+json;version=2.1" for m in manifest["objects"]), "media types")
        dates = [m["date_added"] for m in manifest["objects"]]
        check(dates == sorted(dates) and len(set(dates)) == len(dates), "date_added strictly increasing")

        # Bad parameters.
        for q in ("limit=0", "limit=x", "added_after=yesterday", "match[version]=newest", "match[type]=Bad_Type",
                  "match[id]=nope", "match[spec_version]=3.0", "match[color]=red", "next=12.abc"):
            status, _, doc = hub.get(path + "?" + q, coord)
            check(status == 400 and doc.get("http_status") == "400" and doc.get("description"), f"{q} -> {status}")
        status, _, _ = hub.get(base + "versions/?match[version]=all", coord)
        check(status == 400, "versions takes no match[version]")

        # next tokens: bound to caller, collection and endpoint.
        _, _, page = hub.get(path + "?limit=1", coord)
        nxt = page["next"]
        status, _, _ = hub.get(path + "?limit=1&next=" + urllib.parse.quote(nxt), other)
        check(status == 400, f"another caller's next -> 400 ({status})")
        status, _, _ = hub.get("/taxii2/api/collections/authority-alpha/objects/?next=" + urllib.parse.quote(nxt), coord)
        check(status == 400, f"next of another collection -> 400 ({status})")
        status, _, _ = hub.get("/taxii2/api/collections/indicators/manifest/?next=" + urllib.parse.quote(nxt), coord)
        check(status == 400, f"next of another endpoint -> 400 ({status})")
        tampered = str(int(nxt.split(".")[0]) + 1) + "." + nxt.split(".")[1]
        status, _, _ = hub.get(path + "?next=" + urllib.parse.quote(tampered), coord)
        check(status == 400, f"tampered next -> 400 ({status})")
        status, _, _ = hub.get(path + "?limit=1&next=" + urllib.parse.quote(nxt), coord)
        check(status == 200, "own next -> 200")

        # DELETE: the analyst's own object; not another authority's; not without write access.
        mine = indicator("192.0.2.1")
        hub.request("POST", "/taxii2/api/collections/authority-alpha/objects/", analyst, body={"objects": [mine]})
        status, _, _ = hub.request("DELETE", f"/taxii2/api/collections/authority-alpha/objects/{mine['id']}/", other)
        check(status in (403, 404), f"another authority cannot delete ({status})")
        status, _, _ = hub.request("DELETE", f"/taxii2/api/collections/indicators/objects/{vid}/?match[version]="
                                   + stamps[0], coord)
        check(status == 200, f"coordinator deletes one version ({status})")
        _, _, doc = hub.get(base + "versions/", coord)
        check(doc["versions"] == stamps[1:], f"one version gone {doc}")
        status, _, _ = hub.request("DELETE", f"/taxii2/api/collections/authority-alpha/objects/{mine['id']}/", analyst)
        check(status == 200, f"an analyst deletes their own object ({status})")
        status, _, _ = hub.get(f"/taxii2/api/collections/authority-alpha/objects/{mine['id']}/", analyst)
        check(status == 404, "deleted object is gone")
        status, _, _ = hub.request("DELETE", f"/taxii2/api/collections/authority-alpha/objects/{mine['id']}/", analyst)
        check(status == 404, "deleting twice -> 404")
        # Everything above survives a restart (the store is the truth; the next key is stored).
        hub.stop()
        hub.start()
        status, _, _ = hub.get(path + "?limit=1&next=" + urllib.parse.quote(nxt), coord)
        check(status == 200, f"a next token survives a restart ({status})")
        again_all, _ = walk(hub, path, coord, 1000)
        check([o["id"] for o in again_all] == [o["id"] for o in everything], "objects survive a restart")
    finally:
        hub.close()


# ---- TLP matrix ----------------------------------------------------------------------------

ROLES = ("sensor", "analyst", "coordinator")
AUTHS = ("alpha", "bravo", "charlie")  # alpha shares, bravo is named where a form names someone


def expected_read(level, recipients, role, authority):
    """The issue's rules, stated independently of src/hub/tlp.cc."""
    own = authority == "alpha"
    named = authority in recipients
    coordinator = role == "coordinator"
    coordinators_named = "coordinators" in recipients
    authorities_named = [r for r in recipients if r != "coordinators"]
    if level in ("clear", "green"):
        return True
    if level == "amber":  # the authorities the source names, or the coordinators if it names none
        if own or named:
            return True
        return coordinator and (coordinators_named or not authorities_named)
    if level == "amber+strict":
        return own or coordinator
    if level == "red":  # the source authority's named recipients only
        return own or named or (coordinator and coordinators_named)
    raise ValueError(level)


def tlp_forms(ids):
    # (label, marking refs, recipients, effective level)
    return [
        ("clear", [ids["clear"]], [], "clear"),
        ("green", [ids["green"]], [], "green"),
        ("amber", [ids["amber"]], [], "amber"),
        ("amber to bravo", [ids["amber"]], ["bravo"], "amber"),
        ("amber to coordinators", [ids["amber"]], ["coordinators"], "amber"),
        ("amber+strict", [ids["amber+strict"]], [], "amber+strict"),
        ("amber+strict naming bravo", [ids["amber+strict"]], ["bravo"], "amber+strict"),
        ("red", [ids["red"]], [], "red"),
        ("red to bravo", [ids["red"]], ["bravo"], "red"),
        ("red to bravo and coordinators", [ids["red"]], ["bravo", "coordinators"], "red"),
        ("unmarked", None, [], "amber"),
        ("tlp1 white", [ids["tlp1:white"]], [], "clear"),
        ("tlp1 green", [ids["tlp1:green"]], [], "green"),
        ("tlp1 amber", [ids["tlp1:amber"]], [], "amber"),
        ("tlp1 red to bravo", [ids["tlp1:red"]], ["bravo"], "red"),
        ("green and red: red wins", [ids["green"], ids["red"]], [], "red"),
    ]


def case_tlp_matrix():
    hub = Hub()
    setup(hub)
    ids = marking_ids()
    forms = tlp_forms(ids)
    posters = {"indicators": hub.token("alpha", "coordinator"), "authority-alpha": hub.token("alpha", "analyst")}
    objects = {}  # (collection, label) -> object
    try:
        for collection, token in posters.items():
            batch = []
            for i, (label, markings, recipients, level) in enumerate(forms):
                o = indicator(f"10.{len(objects)}.0.{i}", markings, recipients or None)
                objects[(collection, label)] = (o, recipients, level)
                batch.append(o)
            status, _, st = hub.request("POST", f"/taxii2/api/collections/{collection}/objects/", token,
                                        body={"objects": batch})
            assert status == 202 and st["success_count"] == len(forms), (status, st)
        cells = leaks = misses = 0
        for role in ROLES:
            for authority in AUTHS:
                token = hub.token(authority, role)
                for collection in posters:
                    path = f"/taxii2/api/collections/{collection}/"
                    listed, _ = walk(hub, path + "objects/", token, 1000, params={"match[type]": "indicator"})
                    listed_ids = {o["id"] for o in listed}
                    mani, _ = walk(hub, path + "manifest/", token, 1000, params={"match[type]": "indicator"})
                    mani_ids = {m["id"] for m in mani}
                    for label, _, recipients, _ in forms:
                        o, recipients, level = objects[(collection, label)]
                        want = expected_read(level, recipients, role, authority)
                        status_obj, _, _ = hub.get(path + f"objects/{o['id']}/", token)
                        status_ver, _, _ = hub.get(path + f"objects/{o['id']}/versions/", token)
                        got = {"objects": o["id"] in listed_ids, "manifest": o["id"] in mani_ids,
                               "object": status_obj == 200, "versions": status_ver == 200}
                        for endpoint, seen in got.items():
                            cells += 1
                            if seen and not want:
                                leaks += 1
                            if want and not seen:
                                misses += 1
                            check(seen == want, f"{label} in {collection} via {endpoint} for {authority} {role}: "
                                                f"seen={seen} expected={want}")
                            if endpoint in ("object", "versions") and not want:
                                check((status_obj if endpoint == "object" else status_ver) == 404,
                                      f"{label} {endpoint} for {authority} {role}: refusal must be a 404")
        # The admin role reads no collection at all.
        status, _, _ = hub.get("/taxii2/api/collections/indicators/objects/", hub.token("alpha", "admin"))
        check(status == 403, "admin refused")
        print(f"TLP matrix: {len(forms)} forms x {len(ROLES) * len(AUTHS)} viewers x 4 endpoints x "
              f"{len(posters)} collections = {cells} cells, {leaks} leaks, {misses} wrongly withheld")
    finally:
        hub.close()


# ---- pagination ----------------------------------------------------------------------------

def case_pagination():
    hub = Hub()
    setup(hub)
    ids = marking_ids()
    coord = hub.token("alpha", "coordinator")
    try:
        levels = [[ids["green"]], [ids["amber"]], [ids["red"]], None, [ids["amber+strict"]]]
        # 40 objects in the feed, some in several versions, mixed TLP so walks skip unreadable rows.
        objs, green_three_versions = [], None
        for i in range(40):
            oid = f"indicator--{uuid.uuid4()}"
            if i % 3 == 2 and i % len(levels) == 0:
                green_three_versions = oid
            for v in range(1 + i % 3):
                objs.append(indicator(f"172.16.{i}.{v}", levels[i % len(levels)], None,
                                      modified=f"2026-11-0{v + 1}T00:00:00.000Z", oid=oid))
        hub.request("POST", "/taxii2/api/collections/indicators/objects/", coord, body={"objects": objs})
        for a in ("alpha", "bravo"):
            t = hub.token(a, "analyst")
            hub.request("POST", f"/taxii2/api/collections/authority-{a}/objects/", t,
                        body={"objects": [indicator(f"192.168.{i}.1", levels[i % len(levels)]) for i in range(12)]})
        # Sightings too: an indicator hit.
        sensor = hub.token("bravo", "sensor")
        alert = {"timestamp": "2026-11-20T10:00:00Z", "rule_id": objs[0]["id"], "rule_title": "x", "level": "high",
                 "indicator": {"id": objs[0]["id"], "type": "ipv4-addr", "value": "172.16.0.0"}}
        req = urllib.request.Request(hub.base + "/api/v1/alerts", data=json.dumps([alert]).encode(), method="POST",
                                     headers={"Authorization": "Bearer " + sensor})
        urllib.request.urlopen(req, timeout=30)
        walks = 0
        for role in ROLES:
            for authority in AUTHS:
                token = hub.token(authority, role)
                for alias, c in collections(hub, token).items():
                    if not c["can_read"]:
                        continue
                    path = f"/taxii2/api/collections/{c['id']}/"
                    for endpoint, params in (("objects/", {}), ("manifest/", {}),
                                             ("objects/", {"match[version]": "all"})):
                        full, pages_full = walk(hub, path + endpoint, token, 1000, params=params)
                        one, pages_one = walk(hub, path + endpoint, token, 1, params=params)
                        walks += 1
                        check(pages_full == 1, f"{alias} {endpoint}: the unpaged list is one page")
                        check(one == full, f"{alias} {endpoint} {params} for {authority} {role}: limit=1 walk "
                                           f"({len(one)}) != unpaged ({len(full)})")
                        check(len(one) == 0 or pages_one == len(one), f"{alias}: one item per page")
                    if alias == "indicators":
                        vid = green_three_versions
                        full, _ = walk(hub, path + f"objects/{vid}/versions/", token, 1000, key="versions")
                        one, _ = walk(hub, path + f"objects/{vid}/versions/", token, 1, key="versions")
                        walks += 1
                        check(one == full, f"versions walk for {authority} {role}")
        print(f"pagination: {walks} limit=1 walks compared with their unpaged lists")
    finally:
        hub.close()


# ---- sightings -----------------------------------------------------------------------------

def post_alerts(hub, token, alerts):
    req = urllib.request.Request(hub.base + "/api/v1/alerts", data="\n".join(json.dumps(a) for a in alerts).encode(),
                                 method="POST", headers={"Authorization": "Bearer " + token})
    with urllib.request.urlopen(req, timeout=30) as r:
        return json.loads(r.read())


def case_sightings():
    hub = Hub()
    setup(hub)
    coord = hub.token("charlie", "coordinator")
    try:
        ind = indicator("203.0.113.50", [marking_ids()["green"]])
        hub.request("POST", "/taxii2/api/collections/indicators/objects/", coord, body={"objects": [ind]})

        def hit(ts, aid, tlp="amber"):
            return {"id": aid, "timestamp": ts, "rule_id": ind["id"], "rule_title": "ioc", "level": "high", "tlp": tlp,
                    "indicator": {"id": ind["id"], "type": "ipv4-addr", "value": "203.0.113.50", "tlp": "green"}}
        alpha = hub.token("alpha", "sensor")
        post_alerts(hub, alpha, [hit("2026-11-20T10:00:00Z", "a1"), hit("2026-11-20T12:30:00Z", "a2"),
                                 hit("2026-11-21T01:00:00Z", "a3"),
                                 {"id": "a4", "timestamp": "2026-11-20T11:00:00Z", "rule_id": "r", "rule_title": "t",
                                  "level": "low"}])
        post_alerts(hub, hub.token("bravo", "sensor"), [hit("2026-11-20T09:00:00Z", "b1", "green")])
        s_path = "/taxii2/api/collections/sightings/objects/"
        sightings, _ = walk(hub, s_path, coord, 1000, params={"match[type]": "sighting"})
        check(len(sightings) == 3, f"3 sightings (alpha 2 days, bravo 1 day): {len(sightings)}")
        ident = {o["name"]: o["id"] for o in walk(hub, s_path, coord, 1000, params={"match[type]": "identity"})[0]}
        check({"alpha", "bravo", "charlie", "rasid national hub"} <= set(ident), f"identities {ident}")
        by = {(s["where_sighted_refs"][0], s["first_seen"][:10]): s for s in sightings}
        a20 = by.get((ident["alpha"], "2026-11-20"))
        check(a20 and a20["count"] == 2 and a20["first_seen"].startswith("2026-11-20T10:00:00")
              and a20["last_seen"].startswith("2026-11-20T12:30:00") and a20["sighting_of_ref"] == ind["id"],
              f"alpha's sighting of the 20th {a20}")
        check(by.get((ident["alpha"], "2026-11-21"), {}).get("count") == 1, "alpha's sighting of the 21st")
        check(by.get((ident["bravo"], "2026-11-20"), {}).get("count") == 1, "bravo's sighting")
        # A later batch (and a duplicate alert) makes a new version of the same sighting.
        post_alerts(hub, alpha, [hit("2026-11-20T23:59:59Z", "a5"), hit("2026-11-20T10:00:00Z", "a1")])
        _, _, doc = hub.get(f"{s_path}{a20['id']}/versions/", coord)
        check(len(doc.get("versions", [])) == 2, f"two versions of the sighting {doc}")
        _, _, doc = hub.get(f"{s_path}{a20['id']}/", coord)
        latest = doc["objects"][0]
        check(latest["count"] == 3 and latest["last_seen"].startswith("2026-11-20T23:59:59")
              and latest["created"] == a20["created"] and latest["modified"] > a20["modified"],
              f"updated sighting {latest}")
        # TLP: alpha's sightings are AMBER (the alerts' TLP): bravo's analyst does not see them.
        seen_by_bravo, _ = walk(hub, s_path, hub.token("bravo", "analyst"), 1000, params={"match[type]": "sighting"})
        check([s["where_sighted_refs"][0] for s in seen_by_bravo] == [ident["bravo"]],
              f"bravo sees only its own GREEN sighting: {seen_by_bravo}")
        seen_by_alpha, _ = walk(hub, s_path, hub.token("alpha", "analyst"), 1000, params={"match[type]": "sighting"})
        check(len(seen_by_alpha) == 3, "alpha sees its two and bravo's GREEN one")
    finally:
        hub.close()


# ---- TLP over the REST API and the dashboard ------------------------------------------------

LEVELS = ("clear", "green", "amber", "amber+strict", "red")


def case_rest_tlp_matrix():
    """Alerts (which name no recipients) at every level from alpha, read by every role of every
    authority through every REST read path and the dashboard: nothing is shown that the policy
    withholds; coordinators see exactly what it allows; the source authority sees everything."""
    hub = Hub()
    setup(hub)
    try:
        t = time.strftime("%Y-%m-%dT%H:00:00Z", time.gmtime(time.time() - 7200))
        alerts = [{"id": f"x-{lv}", "timestamp": t, "rule_id": f"tlp-{lv}", "rule_title": f"TLPMATRIX {lv.upper()} rule",
                   "level": "high", "tlp": lv, "event": {"Computer": "ws-1"}} for lv in LEVELS]
        post_alerts(hub, hub.token("alpha", "sensor"), alerts)
        cells = leaks = 0
        for role in ROLES + ("admin",):
            for authority in AUTHS:
                token = hub.token(authority, role)
                seen = {}
                st, _, doc = hub.request("GET", "/api/v1/alerts?limit=1000", token, headers={"Accept": None})
                seen["alerts"] = {a["alert"]["rule_id"] for a in doc["items"]} if st == 200 else set()
                st, _, doc = hub.request("GET", "/api/v1/detections?limit=1000", token, headers={"Accept": None})
                seen["detections"] = {d["rule_id"] for d in doc["items"]} if st == 200 else set()
                st, _, doc = hub.request("GET", "/api/v1/alerts/count?rule=" +
                                         urllib.parse.quote(",".join(f"tlp-{lv}" for lv in LEVELS)),
                                         token, headers={"Accept": None})
                count = doc["count"] if st == 200 else 0
                req = urllib.request.Request(hub.base + "/detections?authority=alpha",
                                             headers={"Cookie": "rasid_session=" + token})
                try:
                    with urllib.request.urlopen(req, timeout=30) as r:
                        html = r.read().decode()
                except urllib.error.HTTPError:
                    html = ""
                seen["dashboard"] = {f"tlp-{lv}" for lv in LEVELS if f"TLPMATRIX {lv.upper()} rule" in html}
                allowed_rest = {f"tlp-{lv}" for lv in LEVELS if role != "admin" and expected_read(lv, [], role, authority)}
                # The dashboard shows an admin their own authority, like an analyst (docs/dashboard.md).
                allowed_dashboard = {f"tlp-{lv}" for lv in LEVELS
                                     if role != "sensor" and expected_read(lv, [], "analyst" if role == "admin" else role,
                                                                           authority)}
                for endpoint, got in seen.items():
                    allowed = allowed_dashboard if endpoint == "dashboard" else allowed_rest
                    for lv in LEVELS:
                        cells += 1
                        rule = f"tlp-{lv}"
                        if rule in got and rule not in allowed:
                            leaks += 1
                            check(False, f"LEAK: {lv} alert via {endpoint} to {authority} {role}")
                    if role == "coordinator" or (role == "analyst" and authority == "alpha"):
                        check(got == allowed, f"{endpoint} for {authority} {role}: {sorted(got)} != {sorted(allowed)}")
                check(count == len(seen["alerts"]), f"count for {authority} {role}: {count} vs {len(seen['alerts'])}")
                if role == "sensor" or authority != "alpha" and role in ("analyst", "admin"):
                    check(not any(seen.values()), f"{authority} {role} reads none of alpha's alerts")
        print(f"REST/dashboard TLP matrix: {len(LEVELS)} levels x {4 * len(AUTHS)} viewers x 3 read paths "
              f"(alerts, detections, dashboard) = {cells} cells, {leaks} leaks; counts checked too")
    finally:
        hub.close()


# ---- reports -------------------------------------------------------------------------------

def case_reports():
    hub = Hub()
    setup(hub)
    coord = hub.token("charlie", "coordinator")
    try:
        def spray(ts, aid, host):
            return {"id": aid, "timestamp": ts, "rule_id": "spray-rule", "rule_title": "Password spraying",
                    "level": "high", "tags": ["attack.t1110.003"], "event": {"Computer": host}}
        post_alerts(hub, hub.token("alpha", "sensor"), [spray("2026-11-20T10:00:00Z", "a1", "ws-1")])
        r_path = "/taxii2/api/collections/reports/objects/"
        reports, _ = walk(hub, r_path, coord, 1000, params={"match[type]": "report"})
        check(reports == [], "no report before a second authority")
        post_alerts(hub, hub.token("bravo", "sensor"), [spray("2026-11-20T12:00:00Z", "b1", "srv-2")])
        reports, _ = walk(hub, r_path, coord, 1000, params={"match[type]": "report"})
        if not check(len(reports) == 1, f"one report for the incident: {reports}"):
            return
        r = reports[0]
        ident = {o["name"]: o["id"] for o in walk(hub, "/taxii2/api/collections/sightings/objects/", coord, 1000,
                                                   params={"match[type]": "identity"})[0]}
        check(sorted(r["object_refs"]) == sorted([ident["alpha"], ident["bravo"]]), f"object_refs {r['object_refs']}")
        check(r["x_rasid_status"] == "new" and "spray-rule" in r["description"], f"report content {r}")
        _, _, incidents = hub.request("GET", "/api/v1/incidents", coord, headers={"Accept": None})
        incident = incidents["items"][0]
        check(r["x_rasid_incident"] == incident["id"] and r["name"] == incident["title"], "report names the incident")
        # Read by the involved authorities and the coordinators only (AMBER, involved named).
        for authority, want in (("alpha", 1), ("bravo", 1), ("charlie", 0)):
            seen, _ = walk(hub, r_path, hub.token(authority, "analyst"), 1000, params={"match[type]": "report"})
            check(len(seen) == want, f"{authority} analyst sees {len(seen)} report(s), expected {want}")
        # A change of the incident is a new version of the report.
        req = urllib.request.Request(hub.base + f"/api/v1/incidents/{incident['id']}", method="PATCH",
                                     data=json.dumps({"status": "triage"}).encode(),
                                     headers={"Authorization": "Bearer " + coord, "Content-Type": "application/json"})
        urllib.request.urlopen(req, timeout=30)
        _, _, doc = hub.get(f"{r_path}{r['id']}/versions/", coord)
        check(len(doc.get("versions", [])) == 2, f"two versions after the PATCH: {doc}")
        _, _, doc = hub.get(f"{r_path}{r['id']}/", coord)
        check(doc["objects"][0]["x_rasid_status"] == "triage", "the last version has the new status")
    finally:
        hub.close()


CASES = {"protocol": case_protocol, "reports": case_reports, "rest_tlp_matrix": case_rest_tlp_matrix, "tlp_matrix": case_tlp_matrix, "pagination": case_pagination,
         "sightings": case_sightings}

if __name__ == "__main__":
    CASES[CASE]()
    if failures:
        print(f"{len(failures)} check(s) failed", file=sys.stderr)
        sys.exit(1)
    print(f"taxii {CASE}: ok")
