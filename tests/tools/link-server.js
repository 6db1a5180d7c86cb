// The far end of profile links, for tests/e2e/profile_links.sh, on 127.0.0.1
// and a port of the system's choosing.
//
//   node link-server.js hold             accepts connections and holds them,
//                                        never sending a byte
//   node link-server.js https CERT KEY DIR
//                                        serves the files of DIR over HTTPS
//
// Prints "listening PORT" once it accepts connections, "accept N" when
// connection N arrives and "end N" when its client closes it.  Reads
// commands on standard input, one a line, and exits at its end:
//   mark      prints "mark open=A closed=B": the connections held open and
//             those their client has closed, at that moment
//   release   closes every connection still open, and from then on each new
//             one as soon as it arrives
'use strict';

const fs = require('node:fs');
const net = require('node:net');
const https = require('node:https');
const path = require('node:path');
const readline = require('node:readline');

const [mode, cert, key, dir] = process.argv.slice(2);
const open = new Map();
let count = 0;
let closed = 0;
let released = false;

function track(socket) {
  const n = ++count;
  open.set(n, socket);
  console.log(`accept ${n}`);
  socket.on('end', () => {
    console.log(`end ${n}`);
    closed++;
    open.delete(n);
    socket.destroy();
  });
  socket.on('error', () => {});
  if (released) socket.destroy();
}

let server;
if (mode === 'hold') {
  // What the client sends is read and dropped: unread, it would hide the
  // client's end of the connection from 'end'.
  server = net.createServer({ allowHalfOpen: true }, (socket) => {
    track(socket);
    socket.resume();
  });
} else if (mode === 'https' && cert && key && dir) {
  server = https.createServer({ cert: fs.readFileSync(cert), key: fs.readFileSync(key) },
    (req, res) => {
      const file = path.join(dir, path.basename(new URL(req.url, 'https://x/').pathname));
      fs.readFile(file, (err, body) => {
        res.writeHead(err ? 404 : 200, { 'Content-Type': 'text/html' });
        res.end(err ? 'not found' : body);
      });
    });
  server.on('connection', track);
} else {
  console.error('usage: node link-server.js hold | https CERT KEY DIR');
  process.exit(2);
}

server.listen(0, '127.0.0.1', () => console.log(`listening ${server.address().port}`));

readline.createInterface({ input: process.stdin }).on('line', (line) => {
  if (line === 'mark') {
    console.log(`mark open=${open.size} closed=${closed}`);
  } else if (line === 'release') {
    released = true;
    for (const socket of open.values()) socket.destroy();
    open.clear();
    console.log('released');
  }
}).on('close', () => process.exit(0));
