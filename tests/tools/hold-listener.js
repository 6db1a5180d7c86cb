// A TCP listener on 127.0.0.1 that accepts every connection and never
// answers: a link target that makes a link check wait for its timeouts.
// It counts the connections it took in --count-file (rewritten on each)
// and writes --ready-file once listening.  Stopped by SIGTERM.
'use strict';
const net = require('net');
const fs = require('fs');

const args = {};
for (let i = 2; i < process.argv.length; i += 2)
	args[process.argv[i].replace(/^--/, '')] = process.argv[i + 1];

let taken = 0;
const held = [];
const server = net.createServer((sock) => {
	held.push(sock);
	sock.on('error', () => {});
	taken++;
	if (args['count-file'])
		fs.writeFileSync(args['count-file'], `${taken}\n`);
});
server.listen(Number(args.port || 0), '127.0.0.1', () => {
	if (args['ready-file'])
		fs.writeFileSync(args['ready-file'], `${server.address().port}\n`);
});
process.on('SIGTERM', () => {
	held.forEach((s) => s.destroy());
	server.close(() => process.exit(0));
});
