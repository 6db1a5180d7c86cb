#!/usr/bin/env node
// A small S3-compatible server for tests that checks AWS Signature V4 the
// way S3 does, so a client that signs wrongly fails here as it would
// against the real thing.  No npm packages; loopback use only.
//
//   node s3-sigv4-server.js --dir DIR --access-key K --secret-key S
//        [--host 127.0.0.1] [--port N (0: any free port)] [--region us-east-1]
//        [--bucket NAME]... [--ready-file FILE] [--page-size N]
//        [--vhost-suffix localhost] [--fault drop-put|error-put]
//
// Objects live under DIR/<bucket>/ as <sha256 of key>.data plus .json (key,
// size, ETag, Last-Modified); a PUT becomes visible only once its whole
// body arrived and matched x-amz-content-sha256, so a failed upload never
// leaves a partial object.  Supported: ListBuckets, CreateBucket,
// HeadBucket, GetBucketLocation, ListObjectsV2 (prefix, delimiter,
// max-keys, start-after, continuation-token, encoding-type=url),
// Put/Get (Range)/Head/DeleteObject.  Path-style addressing, and
// virtual-host style for Host names <bucket>.<vhost-suffix>.
//
// --page-size caps max-keys so clients' pagination gets exercised;
// --fault drop-put cuts the connection half-way through every object PUT;
// --fault error-put answers it 500 InternalError there and closes.
// --ready-file receives the port once the server accepts connections.
// Each request is logged as one line (method, path, status); headers, and
// so signatures, are never logged.
'use strict';

const http = require('node:http');
const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');

const opts = { host: '127.0.0.1', port: '0', region: 'us-east-1', bucket: [], 'page-size': '1000' };
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i += 2) {
  const name = argv[i].replace(/^--/, '');
  const value = argv[i + 1];
  const known = ['dir', 'access-key', 'secret-key', 'host', 'port', 'region', 'bucket',
    'ready-file', 'page-size', 'vhost-suffix', 'fault'];
  if (!argv[i].startsWith('--') || !known.includes(name) || value === undefined) {
    console.error(`s3-sigv4-server: bad argument ${argv[i]}`);
    process.exit(2);
  }
  if (name === 'bucket') opts.bucket.push(value);
  else opts[name] = value;
}
if (!opts.dir || !opts['access-key'] || !opts['secret-key']) {
  console.error('usage: s3-sigv4-server.js --dir DIR --access-key K --secret-key S [options]');
  process.exit(2);
}
const ROOT = path.resolve(opts.dir);
const PAGE = Math.max(1, parseInt(opts['page-size'], 10) || 1000);
const SKEW_MS = 15 * 60 * 1000;
fs.mkdirSync(ROOT, { recursive: true });
for (const b of opts.bucket) fs.mkdirSync(path.join(ROOT, b), { recursive: true });

class S3Error extends Error {
  constructor(status, code, message) {
    super(message || code);
    this.status = status;
    this.code = code;
  }
}

const hex256 = (data) => crypto.createHash('sha256').update(data).digest('hex');
const hmac = (key, data) => crypto.createHmac('sha256', key).update(data).digest();
// RFC 3986 unreserved characters stay, everything else is %XX (uppercase),
// which is the encoding SigV4 canonicalises to.
const uriEncode = (s) => Array.from(Buffer.from(s, 'utf8')).map((c) => {
  const ch = String.fromCharCode(c);
  return /[A-Za-z0-9\-._~]/.test(ch) ? ch : '%' + c.toString(16).toUpperCase().padStart(2, '0');
}).join('');
const xmlText = (s) => String(s).replace(/[&<>"']/g,
  (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c]);

function decode(s) {
  try {
    return decodeURIComponent(s);
  } catch {
    throw new S3Error(400, 'InvalidURI', 'Could not parse the specified URI.');
  }
}

// [name, value] pairs, decoded; a parameter without '=' has value ''.
function queryPairs(qs) {
  return qs.split('&').filter((p) => p !== '').map((p) => {
    const eq = p.indexOf('=');
    return eq < 0 ? [decode(p), ''] : [decode(p.slice(0, eq)), decode(p.slice(eq + 1))];
  });
}

// Checks the Authorization header against the request as received.
// Returns the payload hash the client declared.
function checkSignature(req, rawPath, pairs) {
  const auth = req.headers.authorization;
  if (!auth) throw new S3Error(403, 'AccessDenied', 'Anonymous access is not allowed');
  const m = /^AWS4-HMAC-SHA256 Credential=([^,]+), *SignedHeaders=([^,]+), *Signature=([0-9a-f]{64})$/.exec(auth);
  if (!m) throw new S3Error(400, 'AuthorizationHeaderMalformed', 'The authorization header is malformed.');
  const [, credential, signedList, signature] = m;
  const scope = credential.split('/');
  if (scope.length !== 5) throw new S3Error(400, 'AuthorizationHeaderMalformed', 'Bad credential scope.');
  const [keyId, day, region, service, terminator] = scope;
  if (keyId !== opts['access-key'])
    throw new S3Error(403, 'InvalidAccessKeyId', 'The AWS Access Key Id you provided does not exist in our records.');
  if (region !== opts.region || service !== 's3' || terminator !== 'aws4_request')
    throw new S3Error(400, 'AuthorizationHeaderMalformed',
      `The authorization header is malformed; the region '${region}' is wrong; expecting '${opts.region}'`);
  const stamp = req.headers['x-amz-date'] || '';
  const t = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(stamp);
  if (!t || stamp.slice(0, 8) !== day)
    throw new S3Error(403, 'AccessDenied', 'X-Amz-Date is missing or does not match the credential scope');
  const when = Date.UTC(+t[1], +t[2] - 1, +t[3], +t[4], +t[5], +t[6]);
  if (Math.abs(Date.now() - when) > SKEW_MS)
    throw new S3Error(403, 'RequestTimeTooSkewed', 'The difference between the request time and the current time is too large.');
  const payloadHash = req.headers['x-amz-content-sha256'];
  if (!payloadHash)
    throw new S3Error(400, 'InvalidRequest', 'Missing required header for this request: x-amz-content-sha256');

  const signed = signedList.split(';');
  if (!signed.includes('host') || !signed.includes('x-amz-date') || !signed.includes('x-amz-content-sha256'))
    throw new S3Error(403, 'AccessDenied', 'host, x-amz-date and x-amz-content-sha256 must be signed');
  const values = {};
  for (let i = 0; i < req.rawHeaders.length; i += 2) {
    const name = req.rawHeaders[i].toLowerCase();
    const value = req.rawHeaders[i + 1].trim().replace(/ +/g, ' ');
    values[name] = name in values ? `${values[name]},${value}` : value;
  }
  for (const name of Object.keys(values))
    if (name.startsWith('x-amz-') && !signed.includes(name))
      throw new S3Error(403, 'AccessDenied', `Header ${name} must be signed`);
  const canonicalHeaders = signed.map((n) => `${n}:${values[n] === undefined ? '' : values[n]}\n`).join('');
  const canonicalUri = rawPath.split('/').map((seg) => uriEncode(decode(seg))).join('/');
  const canonicalQuery = pairs.map(([k, v]) => [uriEncode(k), uriEncode(v)])
    .sort((a, b) => (a[0] === b[0] ? (a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0) : a[0] < b[0] ? -1 : 1))
    .map(([k, v]) => `${k}=${v}`).join('&');
  const canonical = [req.method, canonicalUri, canonicalQuery, canonicalHeaders, signedList, payloadHash].join('\n');
  const toSign = ['AWS4-HMAC-SHA256', stamp, `${day}/${region}/s3/aws4_request`, hex256(canonical)].join('\n');
  let key = hmac('AWS4' + opts['secret-key'], day);
  for (const part of [region, 's3', 'aws4_request']) key = hmac(key, part);
  const expected = hmac(key, toSign).toString('hex');
  if (!crypto.timingSafeEqual(Buffer.from(expected), Buffer.from(signature)))
    throw new S3Error(403, 'SignatureDoesNotMatch',
      'The request signature we calculated does not match the signature you provided. Check your key and signing method.');
  return payloadHash;
}

// ---- storage ------------------------------------------------------------------
const bucketDir = (b) => path.join(ROOT, b);
const objectBase = (b, key) => path.join(bucketDir(b), hex256(key));

function needBucket(b) {
  if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(b))
    throw new S3Error(400, 'InvalidBucketName', 'The specified bucket is not valid.');
  let st;
  try {
    st = fs.statSync(bucketDir(b));
  } catch {
    st = null;
  }
  if (!st || !st.isDirectory()) throw new S3Error(404, 'NoSuchBucket', 'The specified bucket does not exist');
}

function readMeta(b, key) {
  try {
    return JSON.parse(fs.readFileSync(objectBase(b, key) + '.json', 'utf8'));
  } catch {
    return null;
  }
}

function allObjects(b) {
  const out = [];
  for (const name of fs.readdirSync(bucketDir(b))) {
    if (!name.endsWith('.json')) continue;
    try {
      out.push(JSON.parse(fs.readFileSync(path.join(bucketDir(b), name), 'utf8')));
    } catch {
      // being replaced right now: not listed
    }
  }
  return out.sort((x, y) => Buffer.compare(Buffer.from(x.key), Buffer.from(y.key)));
}

// ---- responses ------------------------------------------------------------------
function reply(res, status, body, headers) {
  res.writeHead(status, { 'x-amz-request-id': crypto.randomBytes(8).toString('hex'), ...headers });
  res.end(body);
}

function replyXml(res, status, xml) {
  reply(res, status, '<?xml version="1.0" encoding="UTF-8"?>\n' + xml, { 'content-type': 'application/xml' });
}

const NS = 'xmlns="http://s3.amazonaws.com/doc/2006-03-01/"';

function listObjectsV2(res, b, q) {
  const prefix = q.prefix || '';
  const delimiter = q.delimiter || '';
  const urlEncoded = q['encoding-type'] === 'url';
  const enc = (s) => xmlText(urlEncoded ? encodeURIComponent(s) : s);
  const maxKeys = Math.min(PAGE, q['max-keys'] === undefined ? 1000 : Math.max(0, parseInt(q['max-keys'], 10) || 0));
  let after = q['start-after'] || '';
  if (q['continuation-token'] !== undefined) {
    after = Buffer.from(q['continuation-token'], 'base64').toString('utf8');
    if (!after) throw new S3Error(400, 'InvalidArgument', 'The continuation token provided is incorrect');
  }
  const contents = [];
  const prefixes = [];
  let truncated = false;
  let last = '';
  for (const o of allObjects(b)) {
    if (!o.key.startsWith(prefix) || o.key <= after) continue;
    let common = null;
    if (delimiter) {
      const at = o.key.indexOf(delimiter, prefix.length);
      if (at >= 0) common = o.key.slice(0, at + delimiter.length);
    }
    if (common !== null && prefixes.includes(common)) continue;
    if (contents.length + prefixes.length >= maxKeys) {
      truncated = true;
      break;
    }
    if (common !== null) prefixes.push(common);
    else contents.push(o);
    last = o.key;
  }
  let x = `<ListBucketResult ${NS}><Name>${xmlText(b)}</Name><Prefix>${enc(prefix)}</Prefix>` +
    `<KeyCount>${contents.length + prefixes.length}</KeyCount><MaxKeys>${maxKeys}</MaxKeys>` +
    `<IsTruncated>${truncated}</IsTruncated>`;
  if (delimiter) x += `<Delimiter>${enc(delimiter)}</Delimiter>`;
  if (urlEncoded) x += '<EncodingType>url</EncodingType>';
  if (q['continuation-token'] !== undefined) x += `<ContinuationToken>${xmlText(q['continuation-token'])}</ContinuationToken>`;
  if (truncated) {
    // The last key handed out, or the end of the last common prefix.
    const resume = prefixes.length && last.startsWith(prefixes[prefixes.length - 1])
      ? prefixes[prefixes.length - 1] + '\u{10ffff}' : last;
    x += `<NextContinuationToken>${Buffer.from(resume).toString('base64')}</NextContinuationToken>`;
  }
  for (const o of contents)
    x += `<Contents><Key>${enc(o.key)}</Key><LastModified>${o.lastModified}</LastModified>` +
      `<ETag>&quot;${o.etag}&quot;</ETag><Size>${o.size}</Size><StorageClass>STANDARD</StorageClass></Contents>`;
  for (const p of prefixes) x += `<CommonPrefixes><Prefix>${enc(p)}</Prefix></CommonPrefixes>`;
  replyXml(res, 200, x + '</ListBucketResult>');
}

// Streams the body into a temporary file, hashing it on the way; the object
// appears (data, then metadata, each renamed into place) only when all of it
// arrived and matched the declared hash.
function putObject(req, res, b, key, payloadHash) {
  const base = objectBase(b, key);
  const tmp = `${base}.tmp-${crypto.randomBytes(6).toString('hex')}`;
  const out = fs.createWriteStream(tmp);
  const sha = crypto.createHash('sha256');
  const md5 = crypto.createHash('md5');
  const declared = Number(req.headers['content-length']);
  let size = 0;
  let failed = false;
  const fail = (e) => {
    if (failed) return;
    failed = true;
    out.destroy();
    fs.rm(tmp, { force: true }, () => {});
    if (e) sendError(req, res, e);
  };
  req.on('data', (chunk) => {
    if (failed) return;
    size += chunk.length;
    sha.update(chunk);
    md5.update(chunk);
    if (opts.fault === 'drop-put' && declared > 0 && size >= declared / 2) {
      console.log(`${new Date().toISOString()} fault: dropping PUT /${b}/${key} after ${size} bytes`);
      fail(null);
      req.socket.destroy();
      return;
    }
    if (opts.fault === 'error-put' && declared > 0 && size >= declared / 2) {
      console.log(`${new Date().toISOString()} fault: 500 to PUT /${b}/${key} after ${size} bytes`);
      fail(new S3Error(500, 'InternalError', 'We encountered an internal error. Please try again.'));
      return;
    }
    if (!out.write(chunk)) req.pause();
  });
  out.on('drain', () => req.resume());
  req.on('aborted', () => fail(null));
  req.on('error', () => fail(null));
  out.on('error', () => fail(new S3Error(500, 'InternalError', 'Could not store the object')));
  req.on('end', () => {
    if (failed) return;
    if (payloadHash !== 'UNSIGNED-PAYLOAD' && sha.digest('hex') !== payloadHash)
      return fail(new S3Error(400, 'XAmzContentSHA256Mismatch',
        'The provided x-amz-content-sha256 header does not match what was computed.'));
    out.end(() => {
      if (failed) return;
      const meta = { key, size, etag: md5.digest('hex'), lastModified: new Date().toISOString(),
        contentType: req.headers['content-type'] || 'binary/octet-stream' };
      try {
        fs.renameSync(tmp, base + '.data');
        fs.writeFileSync(base + '.json.tmp', JSON.stringify(meta));
        fs.renameSync(base + '.json.tmp', base + '.json');
      } catch {
        return fail(new S3Error(500, 'InternalError', 'Could not store the object'));
      }
      reply(res, 200, '', { etag: `"${meta.etag}"` });
    });
  });
}

function getObject(req, res, b, key) {
  const meta = readMeta(b, key);
  if (!meta) throw new S3Error(404, 'NoSuchKey', 'The specified key does not exist.');
  const headers = { 'content-type': meta.contentType, etag: `"${meta.etag}"`,
    'last-modified': new Date(meta.lastModified).toUTCString(), 'accept-ranges': 'bytes' };
  let start = 0;
  let end = meta.size - 1;
  let status = 200;
  const range = /^bytes=(\d*)-(\d*)$/.exec(req.headers.range || '');
  if (range && meta.size > 0 && (range[1] !== '' || range[2] !== '')) {
    if (range[1] === '') start = Math.max(0, meta.size - Number(range[2]));
    else {
      start = Number(range[1]);
      if (range[2] !== '') end = Math.min(Number(range[2]), meta.size - 1);
    }
    if (start > end) throw new S3Error(416, 'InvalidRange', 'The requested range is not satisfiable');
    status = 206;
    headers['content-range'] = `bytes ${start}-${end}/${meta.size}`;
  }
  headers['content-length'] = String(meta.size === 0 ? 0 : end - start + 1);
  res.writeHead(status, headers);
  if (req.method === 'HEAD' || meta.size === 0) return res.end();
  fs.createReadStream(objectBase(b, key) + '.data', { start, end }).on('error', () => res.destroy()).pipe(res);
}

function deleteObject(res, b, key) {
  const base = objectBase(b, key);
  fs.rmSync(base + '.json', { force: true });
  fs.rmSync(base + '.data', { force: true });
  reply(res, 204, '');
}

// Reads and ignores a body that is not stored (and checks its hash).
function drain(req, payloadHash, then) {
  const sha = crypto.createHash('sha256');
  req.on('data', (c) => sha.update(c));
  req.on('end', () => {
    if (payloadHash !== 'UNSIGNED-PAYLOAD' && sha.digest('hex') !== payloadHash)
      return then(new S3Error(400, 'XAmzContentSHA256Mismatch',
        'The provided x-amz-content-sha256 header does not match what was computed.'));
    then(null);
  });
}

function route(req, res) {
  const qAt = req.url.indexOf('?');
  const rawPath = qAt < 0 ? req.url : req.url.slice(0, qAt);
  const pairs = queryPairs(qAt < 0 ? '' : req.url.slice(qAt + 1));
  const payloadHash = checkSignature(req, rawPath, pairs);
  if (payloadHash !== 'UNSIGNED-PAYLOAD' && !/^[0-9a-f]{64}$/.test(payloadHash))
    throw new S3Error(501, 'NotImplemented', `x-amz-content-sha256 ${payloadHash} is not supported here`);
  const q = Object.fromEntries(pairs);
  const segments = rawPath.split('/').slice(1).map(decode);
  let bucket = '';
  const hostName = (req.headers.host || '').replace(/:\d+$/, '');
  if (opts['vhost-suffix'] && hostName.endsWith('.' + opts['vhost-suffix']))
    bucket = hostName.slice(0, -opts['vhost-suffix'].length - 1);
  else
    bucket = segments.shift() || '';
  const key = segments.join('/');
  const M = req.method;

  if (!bucket) {
    if (M !== 'GET') throw new S3Error(405, 'MethodNotAllowed', 'The specified method is not allowed');
    const names = fs.readdirSync(ROOT).filter((n) => fs.statSync(path.join(ROOT, n)).isDirectory());
    return replyXml(res, 200, `<ListAllMyBucketsResult ${NS}><Owner><ID>test</ID></Owner><Buckets>` +
      names.map((n) => `<Bucket><Name>${xmlText(n)}</Name><CreationDate>${new Date(0).toISOString()}</CreationDate></Bucket>`).join('') +
      '</Buckets></ListAllMyBucketsResult>');
  }
  if (!key) {
    if (M === 'PUT') {
      if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket))
        throw new S3Error(400, 'InvalidBucketName', 'The specified bucket is not valid.');
      if (fs.existsSync(bucketDir(bucket))) throw new S3Error(409, 'BucketAlreadyOwnedByYou', 'Your previous request to create the named bucket succeeded and you already own it.');
      return drain(req, payloadHash, (e) => {
        if (e) return sendError(req, res, e);
        fs.mkdirSync(bucketDir(bucket));
        reply(res, 200, '', { location: '/' + bucket });
      });
    }
    needBucket(bucket);
    if (M === 'HEAD') return reply(res, 200, '');
    if (M === 'GET' && 'location' in q) return replyXml(res, 200, `<LocationConstraint ${NS}/>`);
    if (M === 'GET' && q['list-type'] === '2') return listObjectsV2(res, bucket, q);
    throw new S3Error(501, 'NotImplemented', `${M} on a bucket with this query is not implemented here`);
  }
  needBucket(bucket);
  if (Buffer.byteLength(key) > 1024) throw new S3Error(400, 'KeyTooLongError', 'Your key is too long');
  if (M === 'PUT') {
    if (req.headers['x-amz-copy-source']) throw new S3Error(501, 'NotImplemented', 'CopyObject is not implemented here');
    return putObject(req, res, bucket, key, payloadHash);
  }
  if (M === 'GET' || M === 'HEAD') return getObject(req, res, bucket, key);
  if (M === 'DELETE') return deleteObject(res, bucket, key);
  throw new S3Error(405, 'MethodNotAllowed', 'The specified method is not allowed');
}

function sendError(req, res, e) {
  const s3 = e instanceof S3Error;
  if (!s3) console.error(e);
  const status = s3 ? e.status : 500;
  const code = s3 ? e.code : 'InternalError';
  console.log(`${new Date().toISOString()} error ${code}: ${e.message}`);
  if (res.headersSent) return res.destroy();
  // Unread request bodies are discarded, then the connection closes.
  res.setHeader('connection', 'close');
  replyXml(res, status, `<Error><Code>${code}</Code><Message>${xmlText(e.message)}</Message>` +
    `<Resource>${xmlText(req.url.split('?')[0])}</Resource><RequestId>0</RequestId></Error>`);
  req.resume();
}

const server = http.createServer((req, res) => {
  res.on('finish', () => console.log(`${new Date().toISOString()} ${req.method} ${req.url.split('?')[0]} ${res.statusCode}`));
  try {
    route(req, res);
  } catch (e) {
    sendError(req, res, e);
  }
});
server.listen(Number(opts.port), opts.host, () => {
  const { address, port } = server.address();
  console.log(`s3-sigv4-server listening on http://${address}:${port} dir=${ROOT} region=${opts.region}`);
  if (opts['ready-file']) {
    fs.writeFileSync(opts['ready-file'] + '.tmp', String(port));
    fs.renameSync(opts['ready-file'] + '.tmp', opts['ready-file']);
  }
});
for (const sig of ['SIGTERM', 'SIGINT']) process.on(sig, () => { server.close(); process.exit(0); });
