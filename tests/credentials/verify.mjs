// An independent verifier of the service's credentials: @digitalbazaar/vc
// with the eddsa-jcs-2022 cryptosuite, offline. The document loader
// serves the contexts from the copies the service keeps
// (balint-accredit-api/src/vc/standards) and the DID documents and status
// lists the driver fetched from the running service; nothing else.
//
// Usage: node verify.mjs JOB.json
//   JOB: {"credential": {...}, "documents": {"URL": {...}, ...}}
// Prints: {"verified": bool, "errors": [...], "status": {"revocation": bit,
// "suspension": bit}, "lists_verified": bool}. The bits are read from the
// status lists here, by decoding the bitstring; the lists' own signatures
// are verified with the same suite.
import {readFileSync} from 'node:fs';
import {gunzipSync} from 'node:zlib';
import {fileURLToPath} from 'node:url';
import path from 'node:path';

import * as vc from '@digitalbazaar/vc';
import {DataIntegrityProof} from '@digitalbazaar/data-integrity';
import {createVerifyCryptosuite} from '@digitalbazaar/eddsa-jcs-2022-cryptosuite';
import didContext from 'did-context';
import multikeyContext from '@digitalbazaar/multikey-context';

const here = path.dirname(fileURLToPath(import.meta.url));
const standards = path.join(here, '..', '..', 'balint-accredit-api', 'src', 'vc', 'standards');
const local = name => JSON.parse(readFileSync(path.join(standards, name), 'utf8'));

const job = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const documents = new Map(Object.entries(job.documents));
documents.set('https://www.w3.org/ns/credentials/v2', local('credentials-v2.jsonld'));
documents.set(
  'https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json',
  local('ob-context-3.0.3.json'));
documents.set(didContext.CONTEXT_URL, didContext.CONTEXT);
documents.set(multikeyContext.CONTEXT_URL, multikeyContext.CONTEXT);

// did:web resolved offline: the DID document the driver fetched from where
// did:web says it lives.
function didWebUrl(did) {
  const parts = did.slice('did:web:'.length).split(':').map(decodeURIComponent);
  const host = parts.shift();
  return parts.length ?
    `https://${host}/${parts.join('/')}/did.json` : `https://${host}/.well-known/did.json`;
}

async function documentLoader(url) {
  if(url.startsWith('did:web:')) {
    const [did, fragment] = url.split('#');
    const document = documents.get(didWebUrl(did));
    if(!document) {
      throw new Error(`no DID document for ${did}`);
    }
    if(!fragment) {
      return {contextUrl: null, documentUrl: url, document};
    }
    const method = document.verificationMethod.find(m => m.id === url);
    if(!method) {
      throw new Error(`${url} is not in the DID document`);
    }
    return {
      contextUrl: null, documentUrl: url,
      document: {'@context': 'https://w3id.org/security/multikey/v1', ...method}
    };
  }
  const document = documents.get(url);
  if(!document) {
    throw new Error(`offline: no local copy of ${url}`);
  }
  return {contextUrl: null, documentUrl: url, document};
}

const cryptosuite = createVerifyCryptosuite();
const suite = new DataIntegrityProof({cryptosuite});
const status = {};
let listsVerified = true;

// The status lists: each list credential verified, its bit read.
async function checkStatus({credential}) {
  for(const entry of [].concat(credential.credentialStatus)) {
    const {document: list} = await documentLoader(entry.statusListCredential);
    const listResult = await vc.verifyCredential({credential: list, suite, documentLoader});
    if(!listResult.verified) {
      listsVerified = false;
    }
    const encoded = list.credentialSubject.encodedList;
    const bits = gunzipSync(Buffer.from(encoded.slice(1), 'base64url'));
    const index = Number(entry.statusListIndex);
    status[entry.statusPurpose] = (bits[index >> 3] >> (7 - (index % 8))) & 1;
  }
  return {verified: true};
}

const result = await vc.verifyCredential({
  credential: job.credential, suite, documentLoader, checkStatus
});
const errors = [];
const collect = e => {
  if(e) {
    errors.push(String(e.message || e));
  }
};
collect(result.error);
for(const r of result.results || []) {
  collect(r.error);
}
console.log(JSON.stringify({
  verified: result.verified, errors, status, lists_verified: listsVerified
}));
