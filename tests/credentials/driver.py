"""The service's credentials judged by independent verifiers, offline.

Drives a running `balint-accredit serve` (its PUBLIC_URL a host name that
resolves nowhere: every URL of it is answered by the local server, and
nothing else is fetched): a society, a leader granted accredited leader,
and her credential downloaded. Then, for the credential as issued, as
tampered with, and after a suspension, a reinstatement and a revocation:

- Python's openvc-core verifies it (eddsa-jcs-2022, did:web resolved from
  the service, the status lists fetched from it and verified) and reads
  each bit of the lists itself;
- JavaScript's @digitalbazaar/vc with @digitalbazaar/eddsa-jcs-2022-
  cryptosuite (verify.mjs) verifies it, with the contexts from the copies
  the service keeps, and decodes the bits itself;
- the credential is validated against 1EdTech's OB 3.0 JSON Schema (the
  copy the service keeps);
- the PNG badge is opened with Pillow, which reads its iTXt chunk
  `openbadgecredential`: the credential found there is the one downloaded,
  and both verifiers judge it as they judge the download.

Usage: driver.py BASE_URL PUBLIC_URL ADMIN_EMAIL ADMIN_PASSWORD NODE_SCRIPT
Exits 0 when every check holds; prints each check.
"""
import copy
import datetime
import json
import os
import subprocess
import sys
import tempfile
import urllib.error
import urllib.parse
import urllib.request

import io

import jsonschema
from PIL import Image
from openvc.did.base import DidResolverRegistry
from openvc.did.did_web import DidWebResolver
from openvc.resolvers import default_status_list_resolver
from openvc.status.bitstring import decode_bitstring, get_status_bit
from openvc.status.status_list import CredentialRevoked, CredentialSuspended
from openvc.verify import verify_credential
from openvc.errors import OpenvcError

BASE, PUBLIC, EMAIL, PASSWORD, NODE_SCRIPT = sys.argv[1:6]
HERE = os.path.dirname(os.path.abspath(__file__))
STANDARDS = os.path.join(HERE, "..", "..", "balint-accredit-api", "src", "vc", "standards")
failures = []


def check(what, holds, detail=""):
    print(("ok   " if holds else "FAIL ") + what + (f": {detail}" if detail and not holds else ""))
    if not holds:
        failures.append(what)


def local(url):
    """The running service's answer for a URL of its public address."""
    if not url.startswith(PUBLIC + "/"):
        raise OpenvcError(f"offline: {url} is not the service's")
    return BASE + url[len(PUBLIC):]


def download(path, token):
    """The bytes of a file of the API, and its content type."""
    req = urllib.request.Request(BASE + path)
    req.add_header("authorization", f"Bearer {token}")
    with urllib.request.urlopen(req) as answer:
        return answer.read(), answer.headers.get("content-type")


def request(method, path, token=None, body=None):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(BASE + path, data=data, method=method)
    req.add_header("content-type", "application/json")
    if token:
        req.add_header("authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(req) as answer:
            return answer.status, json.loads(answer.read() or b"null")
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"null")


def fetch_text(url):
    with urllib.request.urlopen(local(url)) as answer:
        return answer.read().decode()


def fetch_json(url):
    return json.loads(fetch_text(url))


resolver = DidResolverRegistry([DidWebResolver(fetch_json)])


def openvc(credential):
    """openvc-core's verdict: 'current', 'suspended', 'revoked' or the error.

    The credential's proof is a proof set of one, as the OB 3.0 JSON Schema
    asks; openvc-core 1.37 reads a proof object only, so it is given the
    one proof of the set as the proof (the signed bytes are the same: the
    document without its proof, and the proof's options)."""
    proof = credential.get("proof")
    if isinstance(proof, list) and len(proof) == 1:
        credential = dict(credential, proof=proof[0])
    try:
        verify_credential(
            credential,
            resolver=resolver,
            resolve_status_list=default_status_list_resolver(
                resolver=resolver, fetch=fetch_text),
        )
        return "current"
    except CredentialSuspended:
        return "suspended"
    except CredentialRevoked:
        return "revoked"
    except OpenvcError as e:
        return f"refused: {type(e).__name__}: {e}"


def bits_read(credential):
    """Each purpose's bit, read from its status list by decoding it here."""
    found = {}
    for entry in credential["credentialStatus"]:
        status_list = fetch_json(entry["statusListCredential"])
        bits = decode_bitstring(status_list["credentialSubject"]["encodedList"])
        found[entry["statusPurpose"]] = get_status_bit(bits, int(entry["statusListIndex"]))
    return found


def digitalbazaar(credential):
    documents = {}
    did = credential["issuer"]["id"]
    parts = [urllib.parse.unquote(p) for p in did[len("did:web:"):].split(":")]
    host, path = parts[0], parts[1:]
    did_url = f"https://{host}/" + "/".join(path) + "/did.json" if path \
        else f"https://{host}/.well-known/did.json"
    documents[did_url] = fetch_json(did_url.replace(f"https://{host}", PUBLIC))
    for entry in credential.get("credentialStatus", []):
        documents[entry["statusListCredential"]] = fetch_json(entry["statusListCredential"])
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as job:
        json.dump({"credential": credential, "documents": documents}, job)
    try:
        out = subprocess.run(["node", NODE_SCRIPT, job.name], capture_output=True, text=True,
                             check=False)
    finally:
        os.unlink(job.name)
    if out.returncode != 0:
        return {"verified": False, "errors": [out.stderr.strip()[-2000:]], "status": {}}
    return json.loads(out.stdout)


def judged(stage, credential, expect):
    """Both verifiers on `credential`: `expect` is current, suspended,
    revoked or tampered."""
    verdict = openvc(credential)
    js = digitalbazaar(credential)
    if expect == "tampered":
        check(f"{stage}: openvc-core refuses it", verdict.startswith("refused"), verdict)
        check(f"{stage}: @digitalbazaar/vc refuses it", js["verified"] is False, js)
        return
    check(f"{stage}: openvc-core reads {expect}", verdict == expect, verdict)
    bits = bits_read(credential)
    want = {"revocation": int(expect == "revoked"), "suspension": int(expect == "suspended")}
    check(f"{stage}: the bits openvc-core decodes are {want}", bits == want, bits)
    check(f"{stage}: @digitalbazaar/vc verifies the signature", js["verified"] is True, js)
    check(f"{stage}: @digitalbazaar/vc verifies the status lists", js.get("lists_verified") is True, js)
    check(f"{stage}: the bits verify.mjs decodes are {want}", js.get("status") == want, js)


def main():
    status, answer = request("POST", "/api/v1/auth/login", body={"email": EMAIL, "password": PASSWORD})
    assert status == 200, answer
    token = answer["token"]
    status, answer = request("POST", "/api/v1/societies", token,
                             {"slug": "bsanz", "name": "Balint Society of Australia and New Zealand"})
    assert status == 201, answer
    status, answer = request("POST", "/api/v1/societies/bsanz/pathway/adopt", token, {"preset": "uk-2016"})
    assert status == 201, answer
    status, ada = request("POST", "/api/v1/societies/bsanz/people", token,
                          {"title": "Dr", "given_name": "Ada", "family_name": "Moreau",
                           "entered_pathway_on": "2022-01-10"})
    assert status == 201, ada
    today = datetime.date.today()
    status, answer = request("POST", "/api/v1/societies/bsanz/register", token,
                             {"person_id": ada["id"], "tier": "accredited-leader",
                              "effective": (today - datetime.timedelta(days=30)).isoformat(),
                              "reason": "council minute 7"})
    assert status == 201, answer
    status, credential = request("GET", "/api/v1/societies/bsanz/register/BSANZ-0001/credential", token)
    assert status == 200, credential

    # The OB 3.0 JSON Schema. It takes credentialStatus as one object; VC 2.0
    # allows a list, and the credential has two (revocation, suspension):
    # the credential is validated with each in turn, and the list is the
    # only thing the schema would refuse.
    with open(os.path.join(STANDARDS, "ob_v3p0_achievementcredential_schema.json")) as f:
        schema = json.load(f)
    validator = jsonschema.Draft201909Validator(schema, format_checker=jsonschema.FormatChecker())
    for entry in credential["credentialStatus"]:
        one = dict(credential, credentialStatus=entry)
        errors = [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(one)]
        check(f"the OB 3.0 JSON Schema takes it (with its {entry['statusPurpose']} entry)", not errors, errors)
    whole = [list(e.absolute_path) for e in validator.iter_errors(credential)]
    check("the schema's only objection to the whole is the list of two statuses",
          all(p[:1] == ["credentialStatus"] for p in whole), whole)

    judged("as issued", credential, "current")

    # The PNG badge, read by Pillow: the iTXt chunk openbadgecredential holds
    # the credential, byte for byte as downloaded, and it verifies.
    entry = "/api/v1/societies/bsanz/register/BSANZ-0001"
    as_issued, _ = download(f"{entry}/credential", token)
    png, kind = download(f"{entry}/credential.png", token)
    check("the PNG badge is served as image/png", kind == "image/png", kind)
    image = Image.open(io.BytesIO(png))
    image.load()
    baked = image.text.get("openbadgecredential")
    check("Pillow reads the iTXt chunk openbadgecredential", isinstance(baked, str), image.text.keys())
    check("the baked credential is the download, byte for byte",
          baked is not None and baked.encode() == as_issued)
    if baked is not None:
        judged("baked into the PNG", json.loads(baked), "current")
    tampered = copy.deepcopy(credential)
    tampered["credentialSubject"]["achievement"]["name"] = "Accredited Leader Trainer"
    judged("tampered with", tampered, "tampered")

    def change(action, days_ago):
        effective = (today - datetime.timedelta(days=days_ago)).isoformat()
        status, answer = request("POST", "/api/v1/societies/bsanz/register/BSANZ-0001/status", token,
                                 {"action": action, "effective": effective, "reason": "committee",
                                  "visibility": "public"})
        assert status == 200, answer

    change("suspend", 20)
    judged("suspended", credential, "suspended")
    change("reinstate", 10)
    judged("reinstated", credential, "current")
    change("revoke", 0)
    judged("revoked", credential, "revoked")

    if failures:
        print(f"{len(failures)} check(s) failed")
        sys.exit(1)
    print("every check holds")


main()
