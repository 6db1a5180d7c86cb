// A loopback SMTP server for tests.  Every message it accepts is stored as
// DIR/NNNN.eml (the DATA, byte for byte) and DIR/NNNN.json (the envelope:
// {"from":...,"to":[...],"user":...}); the file is complete before the
// client gets its 250.
//
//   node smtp-sink.js PORT DIR [USER PASS]
//
// Without USER/PASS authentication is optional; with them it is required
// and only that pair is accepted.  No TLS (the client must use plain
// smtp://), no reverse DNS of the client: nothing leaves 127.0.0.1.
// Prints "listening on 127.0.0.1:PORT" once it accepts connections.
'use strict';

const fs = require('node:fs');
const path = require('node:path');
const { SMTPServer } = require('smtp-server');

const [portText, dir, user, pass] = process.argv.slice(2);
const port = Number(portText);
if (!Number.isInteger(port) || port < 1 || port > 65535 || !dir) {
  console.error('usage: node smtp-sink.js PORT DIR [USER PASS]');
  process.exit(2);
}
fs.mkdirSync(dir, { recursive: true });

let count = 0;

function store(session, data) {
  const id = String(++count).padStart(4, '0');
  const envelope = {
    from: session.envelope.mailFrom ? session.envelope.mailFrom.address : null,
    to: session.envelope.rcptTo.map((r) => r.address),
    user: session.user || null,
  };
  fs.writeFileSync(path.join(dir, `${id}.eml`), data);
  fs.writeFileSync(path.join(dir, `${id}.json`), JSON.stringify(envelope) + '\n');
  return id;
}

const server = new SMTPServer({
  secure: false,
  disabledCommands: ['STARTTLS'],
  allowInsecureAuth: true,
  authOptional: !user,
  disableReverseLookup: true,
  size: 10 * 1024 * 1024,
  banner: 'ayb-c test sink',
  logger: false,
  onAuth(auth, session, callback) {
    if (user && auth.username === user && auth.password === pass) {
      return callback(null, { user: auth.username });
    }
    return callback(new Error('Invalid username or password'));
  },
  onData(stream, session, callback) {
    const chunks = [];
    stream.on('data', (chunk) => chunks.push(chunk));
    stream.on('end', () => {
      if (stream.sizeExceeded) {
        const err = new Error('Message too big');
        err.responseCode = 552;
        return callback(err);
      }
      return callback(null, `queued as ${store(session, Buffer.concat(chunks))}`);
    });
  },
});

server.on('error', (err) => {
  console.error(`smtp sink error: ${err.message}`);
  // A failed bind must not leave a process that looks alive.
  if (err.code === 'EADDRINUSE' || err.code === 'EACCES') process.exit(1);
});
server.listen(port, '127.0.0.1', () => console.log(`listening on 127.0.0.1:${port}`));

for (const signal of ['SIGTERM', 'SIGINT']) {
  process.on(signal, () => server.close(() => process.exit(0)));
}
