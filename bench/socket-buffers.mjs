// Canopy benchmark (not a test): how much resident memory each connection keeps after frames of growing size
// have passed through it. Qt's socket ring buffers keep their last chunk (up to a basic block size) for reuse,
// so a long-lived connection's cost rises to a plateau as larger frames pass; this shows the plateau.
//   node bench/socket-buffers.mjs [--clients N]        (CANOPY_BIN selects the host binary)
import { startHost } from '../tests/interop/lib/host.mjs';
import { connectAs, noise } from '../tests/interop/lib/hardening.mjs';
import { appendText, closeAll, newDoc, randomEntityId } from '../tests/interop/lib/leaf.mjs';
import { delay } from '../tests/interop/lib/util.mjs';

const at = process.argv.indexOf('--clients');
const CLIENTS = at > 0 ? Number(process.argv[at + 1]) : 200;
const SIZES = [200, 2000, 8000, 20000, 40000, 100000];
const ROUNDS = 5;

const host = await startHost({});
const clients = [];
try {
    const id = randomEntityId();
    for (let i = 0; i < CLIENTS; i++) {
        const c = await connectAs(host, `did:web:c${i}.example.test`, { recordRaw: false, importUpdates: false });
        await c.subscribe(id, null);
        clients.push(c);
    }
    const writer = await connectAs(host, 'did:web:writer.example.test');
    clients.push(writer);
    await writer.subscribe(id, newDoc());
    await delay(2000);
    const base = host.rssKiB();
    console.log(`${CLIENTS} subscribed connections: host RSS ${(base / 1024).toFixed(1)} MiB`);
    console.log('update size | host RSS MiB | KiB per connection since subscribed');
    for (const size of SIZES) {
        for (let k = 0; k < ROUNDS; k++) {
            const d = newDoc();
            appendText(d, noise(size, size + k));
            writer.sendUpdate(id, d.export({ mode: 'update' }));
            await delay(300);
        }
        await delay(1500);
        const rss = host.rssKiB();
        console.log(`${String(size).padStart(11)} | ${(rss / 1024).toFixed(1).padStart(12)} | ${((rss - base) / CLIENTS).toFixed(1)}`);
    }
} finally {
    await closeAll(clients);
    await host.dispose();
}
