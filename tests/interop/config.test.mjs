// Configuration: invalid values exit 2 with one stderr line naming the setting; --help; env variables are
// used when flags are absent and flags beat env; stderr log lines are JSON with the required keys.

import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { fetchWithTimeout, freePort, Host, makeTempDir, makeToken, runOnce, startHost } from './lib/host.mjs';
import { LeafClient, closeAll, newDoc, randomEntityId } from './lib/leaf.mjs';
import { waitUntil } from './lib/util.mjs';

const tempDirs = [];
function tempDir() {
    const d = makeTempDir('canopy-config-');
    tempDirs.push(d);
    return d;
}
after(() => {
    for (const d of tempDirs) fs.rmSync(d, { recursive: true, force: true });
});

function nonEmptyLines(s) {
    return s.split('\n').map((l) => l.trim()).filter((l) => l.length > 0);
}

/** Start with otherwise-valid flags plus `bad`, expect exit 2 and exactly one stderr line matching `names`. */
async function expectInvalid(bad, names, { env = {}, withFlags = true } = {}) {
    const port = await freePort();
    const base = withFlags
        ? ['--headless', '--data-dir', tempDir(), '--port', String(port), '--listen', '127.0.0.1',
            '--dev-token', makeToken(), '--did', 'did:web:canopy.test']
        : ['--headless'];
    // The bad flag replaces its valid counterpart.
    const args = [...base];
    for (let i = 0; i < bad.length; i += 2) {
        const at = args.indexOf(bad[i]);
        if (at >= 0) args.splice(at, 2);
        args.push(bad[i], bad[i + 1]);
    }
    const r = await runOnce(args, { env, timeoutMs: 10000 });
    const detail = `args ${JSON.stringify(args)} env ${JSON.stringify(env)} -> code ${r.code} signal ${r.signal}\n`
        + `stderr: ${JSON.stringify(r.stderr)}`;
    assert.equal(r.timedOut, false, `the host did not exit within 10 s: ${detail}`);
    assert.equal(r.code, 2, detail);
    const lines = nonEmptyLines(r.stderr);
    assert.equal(lines.length, 1, `expected exactly one stderr line: ${detail}`);
    assert.match(lines[0], names, `the line must name the setting: ${detail}`);
    return lines[0];
}

describe('config: invalid values', { timeout: 120000 }, () => {
    test('--port 70000 -> exit 2, one line naming "port"', async () => {
        await expectInvalid(['--port', '70000'], /port/i);
    });

    test('--port not-a-number -> exit 2, one line naming "port"', async () => {
        await expectInvalid(['--port', 'eighty'], /port/i);
    });

    test('PORT=70000 in the environment -> exit 2, one line naming the port', async () => {
        const env = { PORT: '70000', DATA_DIR: tempDir(), UNSAFE_DEV_TOKEN: makeToken(), LISTEN: '127.0.0.1' };
        await expectInvalid([], /port/i, { env, withFlags: false });
    });

    test('--did notadid -> exit 2, one line naming "did"', async () => {
        await expectInvalid(['--did', 'notadid'], /(^|[^a-z])did([^a-z]|$)/i);
    });

    test('an unwritable --data-dir (a path under a regular file) -> exit 2, one line naming it', async () => {
        const file = path.join(tempDir(), 'regular-file');
        fs.writeFileSync(file, 'not a directory');
        await expectInvalid(['--data-dir', path.join(file, 'sub')], /data[-_ ]?dir/i);
    });

    test('--max-message not-a-number -> exit 2, one line naming it', async () => {
        await expectInvalid(['--max-message', 'lots'], /max[-_ ]?message/i);
    });

    test('--ping-interval not-a-number -> exit 2, one line naming it', async () => {
        await expectInvalid(['--ping-interval', 'often'], /ping[-_ ]?interval/i);
    });
});

describe('config: --help', { timeout: 30000 }, () => {
    test('--help exits 0 and mentions every flag', async () => {
        const r = await runOnce(['--headless', '--help'], { timeoutMs: 10000 });
        assert.equal(r.timedOut, false);
        assert.equal(r.code, 0, `stderr: ${r.stderr}`);
        const out = r.stdout + r.stderr;
        for (const flag of ['--headless', '--data-dir', '--did', '--public-url', '--dev-token', '--port', '--listen',
            '--max-message', '--ping-interval', '--help']) {
            assert.ok(out.includes(flag), `--help output does not mention ${flag}:\n${out}`);
        }
    });
});

describe('config: environment variables and precedence', { timeout: 120000 }, () => {
    const hosts = [];
    const clients = [];
    after(async () => {
        await closeAll(clients);
        for (const h of hosts) await h.dispose();
    });

    test('all settings are read from the environment when no flags are given', async () => {
        const host = new Host({
            useFlags: false,
            did: 'did:web:env.example.com',
            publicUrl: 'https://env.example.com/',
            maxMessage: 4096,
            pingInterval: 1,
        });
        hosts.push(host);
        await host.start();   // healthy on the PORT given through the environment
        assert.deepEqual(host.lastArgs, ['--headless'], 'no flags were passed');

        const res = await fetchWithTimeout(host.url('/.well-known/did.json'));
        const didDoc = await res.json();
        assert.equal(didDoc.id, 'did:web:env.example.com');
        assert.equal(didDoc.service.find((s) => s.id === '#roomy_syncserver')?.serviceEndpoint, 'https://env.example.com/');

        // UNSAFE_DEV_TOKEN is the dev token.
        const c = await LeafClient.connect(host.wsUrl(), host.token);
        clients.push(c);
        assert.equal(c.protocol, 'authorization');
        // DATA_DIR: the store lives there (give it something to store first).
        const doc = newDoc();
        doc.getText('text').insert(0, 'stored through env config');
        doc.commit();
        await c.subscribe(randomEntityId(), doc);
        // PING_INTERVAL=1: pings arrive.
        await waitUntil(() => c.pings >= 1, { timeoutMs: 3500, what: 'a ping with PING_INTERVAL=1' });
        // MAX_MESSAGE_BYTES=4096: a larger frame closes the session with 1009.
        c.sendRaw(new Uint8Array(8192));
        const info = await c.waitClose(5000);
        assert.equal(info.code, 1009);
        assert.ok(fs.readdirSync(host.dataDir).length > 0, `nothing was written to DATA_DIR ${host.dataDir}`);
    });

    test('flags beat environment variables', async () => {
        const envPort = await freePort();
        const flagPort = await freePort();
        const envToken = makeToken();
        const flagToken = makeToken();
        const host = new Host({
            port: flagPort,
            token: flagToken,
            did: 'did:web:flag.example.com',
            publicUrl: 'https://flag.example.com/',
            env: {
                PORT: String(envPort),
                UNSAFE_DEV_TOKEN: envToken,
                DID: 'did:web:env.example.com',
                PUBLIC_URL: 'https://env.example.com/',
                DATA_DIR: path.join(tempDir(), 'env-data'),
            },
        });
        hosts.push(host);
        await host.start();
        // Listening on the flag's port, not the env's.
        const envRes = await fetchWithTimeout(`http://127.0.0.1:${envPort}/xrpc/_health`, {}, 2000).then(
            (r) => r.status, (e) => `error ${e.cause?.code ?? e.message}`);
        assert.notEqual(envRes, 200, 'the host must not listen on the PORT from the environment');
        const doc = await (await fetchWithTimeout(host.url('/.well-known/did.json'))).json();
        assert.equal(doc.id, 'did:web:flag.example.com');
        assert.equal(doc.service.find((s) => s.id === '#roomy_syncserver')?.serviceEndpoint, 'https://flag.example.com/');
        // The flag's token is the dev token; the env's is not.
        const good = await LeafClient.connect(host.wsUrl(), flagToken);
        clients.push(good);
        await assert.rejects(LeafClient.connect(host.wsUrl(), envToken), (err) => err.statusCode === 403);
        // The flag's data dir is used, the env's is not created.
        assert.ok(fs.readdirSync(host.dataDir).length > 0);
        assert.equal(fs.existsSync(host.opts.env.DATA_DIR), false, 'DATA_DIR from env must not be used');
    });
});

describe('config: logs', { timeout: 60000 }, () => {
    let host;
    const clients = [];
    after(async () => {
        await closeAll(clients);
        await host?.dispose();
    });

    test('stderr is JSON lines with time, level, category, message; the dev token is never logged', async () => {
        host = await startHost();
        // Generate some traffic worth logging: a session, a subscribe, a refused token, a 404.
        const c = await LeafClient.connect(host.wsUrl(), host.token);
        clients.push(c);
        await c.subscribe(randomEntityId(), newDoc());
        await LeafClient.connect(host.wsUrl(), 'wrong-token').catch(() => {});
        await (await fetchWithTimeout(host.url('/nope'))).arrayBuffer();
        await c.close();
        await host.stop();

        assert.ok(host.lines.length > 0, 'the host logged nothing at all');
        for (const line of host.lines) {
            let obj;
            assert.doesNotThrow(() => { obj = JSON.parse(line); }, `not a JSON line: ${line}`);
            assert.equal(typeof obj, 'object', line);
            for (const key of ['time', 'level', 'category', 'message']) {
                assert.ok(key in obj, `missing "${key}" in ${line}`);
            }
            assert.equal(typeof obj.time, 'string', line);
            assert.ok(!Number.isNaN(Date.parse(obj.time)), `time is not a timestamp: ${line}`);
            assert.equal(typeof obj.level, 'string', line);
            assert.equal(typeof obj.category, 'string', line);
            assert.match(obj.category, /^canopy(\.|$)/, line);
            assert.equal(typeof obj.message, 'string', line);
            for (const opt of ['did', 'session', 'entity', 'reason']) {
                if (opt in obj) assert.ok(['string', 'number'].includes(typeof obj[opt]), `${opt} type in ${line}`);
            }
            assert.ok(!line.includes(host.token), `the dev token appears in the log: ${line}`);
        }
    });
});
