#!/usr/bin/env node
// One peer Yjs server for bench/yjs-bench.mjs, in a process of its own (its CPU and RSS are read from /proc).
//
//   node serve.mjs y-websocket --token T            @y/websocket-server 0.1.5 (in memory: it has no persistence)
//   node serve.mjs hocuspocus  --token T --db FILE  @hocuspocus/server 4.7.0 + @hocuspocus/extension-sqlite 4.7.0
//   [--port N] (0 = any; default 0)
//
// Prints "listening <port>" on stdout once it accepts connections; exits when stdin closes (the bench holds it).
// Both listen on 127.0.0.1 only and accept only the bench's token, given the way the same clients give it to
// Canopy: y-websocket clients send `Sec-WebSocket-Protocol: authorization, <token>` (the upgrade is refused
// without it and `authorization` is echoed, as Canopy does), Hocuspocus providers send it in their Auth message
// (an onAuthenticate hook compares it). Everything else is the packages' defaults: the y-websocket server is
// exactly its bin's setup (http server + ws's WebSocket.Server + setupWSConnection, gc on); Hocuspocus keeps
// its debounce (2 s, at most 10 s) before onStoreDocument writes the whole document into SQLite.

import { createRequire } from 'node:module';
import http from 'node:http';

const argv = process.argv.slice(2);
const kind = argv[0];
function opt(name, dflt) {
    const i = argv.indexOf(`--${name}`);
    return i >= 0 && i + 1 < argv.length ? argv[i + 1] : dflt;
}
const port = Number(opt('port', 0));
const token = opt('token', process.env.YJS_BENCH_TOKEN ?? '');
if (!token) {
    console.error('serve.mjs: --token is required');
    process.exit(2);
}

function ready(p) {
    process.stdout.write(`listening ${p}\n`);
    // The parent holds our stdin: when it goes away (whatever the reason), so do we.
    process.stdin.on('end', () => process.exit(0));
    process.stdin.resume();
}

async function serveYWebsocket() {
    const { setupWSConnection } = await import('@y/websocket-server/utils');
    // The ws its own bin uses (a dependency of @y/websocket-server, 6.x), not the one beside it.
    const require = createRequire(createRequire(import.meta.url).resolve('@y/websocket-server/package.json'));
    const WebSocket = require('ws');
    const wss = new WebSocket.Server({
        noServer: true,
        handleProtocols: (protocols) => (Array.from(protocols).includes('authorization') ? 'authorization' : false),
    });
    const server = http.createServer((_req, res) => {
        res.writeHead(200, { 'Content-Type': 'text/plain' });
        res.end('okay');
    });
    wss.on('connection', setupWSConnection);
    server.on('upgrade', (request, socket, head) => {
        const offered = String(request.headers['sec-websocket-protocol'] ?? '').split(',').map((s) => s.trim());
        if (offered[0] !== 'authorization' || offered[1] !== token) {
            socket.end('HTTP/1.1 401 Unauthorized\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
            return;
        }
        wss.handleUpgrade(request, socket, head, (ws) => wss.emit('connection', ws, request));
    });
    server.listen(port, '127.0.0.1', () => ready(server.address().port));
}

async function serveHocuspocus() {
    const { Server } = await import('@hocuspocus/server');
    const { SQLite } = await import('@hocuspocus/extension-sqlite');
    const database = opt('db', null);
    if (!database) {
        console.error('serve.mjs: hocuspocus needs --db FILE');
        process.exit(2);
    }
    const server = new Server({
        port,
        address: '127.0.0.1',
        quiet: true,
        stopOnSignals: false,
        extensions: [new SQLite({ database })],
        async onAuthenticate({ token: given }) {
            if (given !== token) throw new Error('permission denied');
        },
    });
    await server.listen();
    ready(server.address.port);
}

if (kind === 'y-websocket') await serveYWebsocket();
else if (kind === 'hocuspocus') await serveHocuspocus();
else {
    console.error('usage: serve.mjs y-websocket|hocuspocus --token T [--db FILE] [--port N]');
    process.exit(2);
}
