// Raw TCP exchanges with the host, for what fetch and ws will not send (oversized heads, garbage).

import net from 'node:net';

/**
 * Connect to 127.0.0.1:port, write `chunks` (strings or buffers, in order), collect everything received.
 * Resolves { text, status, closed, error, ms } when the server closes the connection, or after timeoutMs
 * (then closed === false and the socket is destroyed by us). With untilHead, resolves as soon as a whole
 * response head has arrived (closed === false).
 */
export function rawExchange(port, chunks, { timeoutMs = 5000, endAfterWrite = false, untilHead = false } = {}) {
    return new Promise((resolve) => {
        const t0 = Date.now();
        const sock = net.connect({ host: '127.0.0.1', port });
        const received = [];
        let error = null;
        let done = false;
        const finish = (closed) => {
            if (done) return;
            done = true;
            clearTimeout(timer);
            const text = Buffer.concat(received).toString('latin1');
            const m = /^HTTP\/1\.[01] (\d{3})/.exec(text);
            sock.destroy();
            resolve({ text, status: m ? Number(m[1]) : null, closed, error, ms: Date.now() - t0 });
        };
        const timer = setTimeout(() => finish(false), timeoutMs);
        sock.on('connect', () => {
            for (const c of [].concat(chunks)) sock.write(c);
            if (endAfterWrite) sock.end();
        });
        sock.on('data', (d) => {
            received.push(d);
            if (untilHead && Buffer.concat(received).includes('\r\n\r\n')) finish(false);
        });
        sock.on('error', (err) => { error = err; });
        sock.on('end', () => finish(true));
        sock.on('close', () => finish(true));
    });
}

/** Parse the head of a raw HTTP response: { status, headers (lower-case names), body }. */
export function parseResponse(text) {
    const split = text.indexOf('\r\n\r\n');
    const head = split >= 0 ? text.slice(0, split) : text;
    const body = split >= 0 ? text.slice(split + 4) : '';
    const [statusLine, ...lines] = head.split('\r\n');
    const m = /^HTTP\/1\.[01] (\d{3})/.exec(statusLine ?? '');
    const headers = {};
    for (const line of lines) {
        const i = line.indexOf(':');
        if (i > 0) headers[line.slice(0, i).trim().toLowerCase()] = line.slice(i + 1).trim();
    }
    return { status: m ? Number(m[1]) : null, headers, body };
}

/** A WebSocket upgrade request head for /sync/as/<did>, with an optional Sec-WebSocket-Protocol value. */
export function upgradeRequest(port, did, protocolHeader) {
    const lines = [
        `GET /sync/as/${did} HTTP/1.1`,
        `Host: 127.0.0.1:${port}`,
        'Upgrade: websocket',
        'Connection: Upgrade',
        'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==',
        'Sec-WebSocket-Version: 13',
    ];
    if (protocolHeader !== undefined) lines.push(`Sec-WebSocket-Protocol: ${protocolHeader}`);
    return lines.join('\r\n') + '\r\n\r\n';
}
