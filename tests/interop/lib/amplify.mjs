// Hostile shapes for the amplification and memory tests (issue 10, items 2 and 3), each made from
// what loro-crdt really exports and then rewritten as an attacker would:
//
//   inflatedSnapshot({ blockBytes })  a real snapshot whose oplog change blocks are rewritten as LZ4
//                                     blocks that inflate (zeros after the real block) to blockBytes each
//   hugeMetaSnapshot({ entries })     a real snapshot whose oplog block meta declares `entries` blocks
//                                     (`declared`: another count; `data`: each block's bytes there too)
//   fixintArrayFrame(bytes)           a Sync1 frame: one msgpack array32 of `bytes` 1-byte fixints
//                                     (fixintArrayInMapFrame: the array under a sendUpdate's extra key)
//   lz4Frame(bytes)                   an LZ4 frame (lz4_Frame_format.md): runs as offset-1 matches
//   snapshotSections / snapshotBlob   a mode-3 blob's three sections, and back (checksum fixed)
//   readSstable / writeSstable        Loro's SSTable (protocol.md B5), plain blocks only on reading
//
// The checksums (xxHash32, seeded "LORO") are always right, so the host reaches the layer under test.

import { LoroDoc } from 'loro-crdt';
import { LORO_SEED, withFixedChecksum, xxh32 } from './blobs.mjs';

const u32le = (n) => { const b = Buffer.alloc(4); b.writeUInt32LE(n >>> 0); return b; };
const u16le = (n) => { const b = Buffer.alloc(2); b.writeUInt16LE(n); return b; };

// ---- LZ4 ----------------------------------------------------------------------------------------

const LZ4_MAX_BLOCK = 4 << 20; // BD 0x70
const MIN_RUN = 64; // shorter runs stay literals

function lz4Length(out, n) {
    while (n >= 255) { out.push(255); n -= 255; }
    out.push(n);
}

// One LZ4 block: literals, except runs of one byte value, which become matches at offset 1. The format
// wants the last 5 bytes as literals and no match starting within 12 bytes of the end; runs stop there.
function lz4Block(src) {
    const out = [];
    const end = src.length;
    let lit = 0; // first byte not yet emitted
    let i = 0;
    const sequence = (litEnd, matchLen) => {
        const litLen = litEnd - lit;
        const ml = matchLen ? matchLen - 4 : 0;
        out.push((Math.min(litLen, 15) << 4) | (matchLen ? Math.min(ml, 15) : 0));
        if (litLen >= 15) lz4Length(out, litLen - 15);
        for (let k = lit; k < litEnd; k++) out.push(src[k]);
        if (matchLen) {
            out.push(1, 0); // offset 1: repeat the byte before
            if (ml >= 15) lz4Length(out, ml - 15);
        }
    };
    while (i < end) {
        let j = i + 1;
        while (j < end - 12 && src[j] === src[i]) j++;
        if (j - i >= MIN_RUN) {
            // The run's first byte is a literal; the rest copies it.
            sequence(i + 1, j - i - 1);
            lit = j;
        }
        i = j;
    }
    sequence(end, 0);
    return Buffer.from(out);
}

/** The bytes of LZ4 frame `frame` (any block size, checksums skipped, no dictionary). */
export function lz4Decode(frame) {
    const f = Buffer.from(frame.buffer, frame.byteOffset, frame.byteLength);
    if (f.readUInt32LE(0) !== 0x184d2204) throw new Error('not an LZ4 frame');
    const flg = f[4];
    let at = 7 + (flg & 0x08 ? 8 : 0) + (flg & 0x01 ? 4 : 0);
    const out = [];
    for (;;) {
        const word = f.readUInt32LE(at);
        at += 4;
        if (word === 0) break;
        const size = word & 0x7fffffff;
        const block = f.subarray(at, at + size);
        at += size + (flg & 0x10 ? 4 : 0);
        if (word & 0x80000000) { out.push(...block); continue; }
        for (let i = 0; i < block.length;) {
            const token = block[i++];
            let lit = token >> 4;
            if (lit === 15) { let b; do { b = block[i++]; lit += b; } while (b === 255); }
            for (let k = 0; k < lit; k++) out.push(block[i++]);
            if (i >= block.length) break;
            const offset = block[i] | (block[i + 1] << 8);
            i += 2;
            let len = (token & 15) + 4;
            if ((token & 15) === 15) { let b; do { b = block[i++]; len += b; } while (b === 255); }
            const from = out.length - offset;
            for (let k = 0; k < len; k++) out.push(out[from + k]);
        }
    }
    return Buffer.from(out);
}

/** `bytes` as one LZ4 frame of independent 4 MiB blocks, no checksums. */
export function lz4Frame(bytes) {
    const descriptor = Uint8Array.from([0x60, 0x70]); // version 01, independent blocks; 4 MiB max
    const parts = [Buffer.from([0x04, 0x22, 0x4d, 0x18]), Buffer.from(descriptor),
        Buffer.from([(xxh32(descriptor, 0) >>> 8) & 0xff])];
    for (let at = 0; at < bytes.length; at += LZ4_MAX_BLOCK) {
        const plain = bytes.subarray(at, Math.min(bytes.length, at + LZ4_MAX_BLOCK));
        const packed = lz4Block(plain);
        if (packed.length < plain.length) parts.push(u32le(packed.length), packed);
        else parts.push(u32le((plain.length | 0x80000000) >>> 0), Buffer.from(plain));
    }
    parts.push(u32le(0));
    return new Uint8Array(Buffer.concat(parts));
}

// ---- snapshots and SSTables -----------------------------------------------------------------------

/** A mode-3 blob's oplog, state and shallow-root-state sections (views into `blob`). */
export function snapshotSections(blob) {
    const view = new DataView(blob.buffer, blob.byteOffset, blob.byteLength);
    const out = [];
    let at = 22;
    for (let i = 0; i < 3; i++) {
        const n = view.getUint32(at, true);
        out.push(blob.subarray(at + 4, at + 4 + n));
        at += 4 + n;
    }
    return out;
}

/** A mode-3 blob from its three sections, with a correct header checksum. */
export function snapshotBlob([oplog, state, shallow]) {
    const head = Buffer.alloc(22);
    head.write('loro', 0, 'latin1');
    head[21] = 3;
    const parts = [head];
    for (const s of [oplog, state, shallow]) parts.push(u32le(s.length), Buffer.from(s));
    return withFixedChecksum(new Uint8Array(Buffer.concat(parts)));
}

/** The entries [{ key, value }] of an SSTable (plain or LZ4 blocks; a small document's, as it is slow). */
export function readSstable(table) {
    const t = Buffer.from(table.buffer, table.byteOffset, table.byteLength);
    const metaOffset = t.readUInt32LE(t.length - 4);
    const count = t.readUInt32LE(metaOffset);
    const blocks = [];
    let m = metaOffset + 4;
    for (let i = 0; i < count; i++) {
        const offset = t.readUInt32LE(m);
        const firstLen = t.readUInt16LE(m + 4);
        const firstKey = t.subarray(m + 6, m + 6 + firstLen);
        m += 6 + firstLen;
        const flags = t[m++];
        if (!(flags & 0x80)) m += 2 + t.readUInt16LE(m);
        blocks.push({ offset, firstKey, flags });
    }
    const entries = [];
    blocks.forEach((b, i) => {
        const end = (i + 1 < blocks.length ? blocks[i + 1].offset : metaOffset) - 4;
        const stored = t.subarray(b.offset, end);
        const body = (b.flags & 0x7f) === 1 ? lz4Decode(stored) : stored;
        if (b.flags & 0x80) { entries.push({ key: b.firstKey, value: body }); return; }
        const n = body.readUInt16LE(body.length - 2);
        const table = body.length - 2 - 2 * n;
        const offsets = Array.from({ length: n }, (_, k) => body.readUInt16LE(table + 2 * k));
        for (let k = 0; k < n; k++) {
            const e = body.subarray(offsets[k], k + 1 < n ? offsets[k + 1] : table);
            if (k === 0) { entries.push({ key: b.firstKey, value: e }); continue; }
            const common = e[0];
            const suffixLen = e.readUInt16LE(1);
            const key = Buffer.concat([b.firstKey.subarray(0, common), e.subarray(3, 3 + suffixLen)]);
            entries.push({ key, value: e.subarray(3 + suffixLen) });
        }
    });
    return entries;
}

/**
 * An SSTable from `blocks`, in key order: { entries: [{ key, value }] } for a normal block (keys
 * prefix-compressed against its first key), { key, value } for a large one; `lz4: true` compresses.
 */
export function writeSstable(blocks) {
    const data = [Buffer.from('LORO\0', 'latin1')];
    let at = 5;
    const meta = [];
    for (const b of blocks) {
        let body;
        let firstKey;
        let lastKey = null;
        if (b.entries) {
            firstKey = Buffer.from(b.entries[0].key);
            lastKey = Buffer.from(b.entries.at(-1).key);
            const parts = [];
            const offsets = [];
            let size = 0;
            b.entries.forEach((e, k) => {
                offsets.push(size);
                const key = Buffer.from(e.key);
                let piece = Buffer.from(e.value);
                if (k > 0) {
                    let common = 0;
                    while (common < firstKey.length && common < key.length && common < 255 && firstKey[common] === key[common]) common++;
                    piece = Buffer.concat([Buffer.from([common]), u16le(key.length - common), key.subarray(common), piece]);
                }
                parts.push(piece);
                size += piece.length;
            });
            body = Buffer.concat([...parts, ...offsets.map(u16le), u16le(offsets.length)]);
        } else {
            firstKey = Buffer.from(b.key);
            body = Buffer.from(b.value);
        }
        const stored = b.lz4 ? Buffer.from(lz4Frame(body)) : body;
        meta.push(u32le(at), u16le(firstKey.length), firstKey, Buffer.from([(b.entries ? 0 : 0x80) | (b.lz4 ? 1 : 0)]));
        if (lastKey) meta.push(u16le(lastKey.length), lastKey);
        data.push(stored, u32le(xxh32(stored, LORO_SEED)));
        at += stored.length + 4;
    }
    const entries = Buffer.concat(meta);
    return new Uint8Array(Buffer.concat([...data, u32le(blocks.length), entries,
        u32le(xxh32(entries, LORO_SEED)), u32le(at)]));
}

/** `n` bytes LZ4 cannot shrink, the same on every run (xorshift32), so fuzz seeds stay stable. */
function noiseBytes(n) {
    const out = Buffer.alloc(n);
    let x = 0x9e3779b9;
    for (let i = 0; i < n; i++) {
        x ^= x << 13;
        x ^= x >>> 17;
        x ^= x << 5;
        out[i] = x & 0xff;
    }
    return out;
}

/** A small real document of `peers` peers, one change each; its snapshot's oplog is stored plain. */
export function smallDoc(peers = 2, firstPeer = 11n) {
    const doc = new LoroDoc();
    for (let p = 0; p < peers; p++) {
        doc.setPeerId(firstPeer + BigInt(p));
        doc.getText('text').insert(0, `peer ${p} `);
        doc.commit();
    }
    return doc;
}

/**
 * A real snapshot of `peers` peers whose oplog change blocks each become a large LZ4 block holding the
 * real block followed by zeros, `blockBytes` in all (Loro ignores bytes after a block's last field).
 * The state section is the real one. About blockBytes / 250 bytes per peer on the wire. `noise`
 * incompressible bytes right after each real block (they stay literals) bring the ratio down: a blob that
 * inflates within 64 times its size and still far past its own size.
 */
export function inflatedSnapshot({ peers = 2, blockBytes = 60 << 20, noise = 0, doc = smallDoc(peers) } = {}) {
    const [oplog, state, shallow] = snapshotSections(doc.export({ mode: 'snapshot' }));
    const entries = readSstable(oplog);
    const changes = entries.filter((e) => e.key.length === 12);
    const rest = entries.filter((e) => e.key.length !== 12);
    const blocks = changes.map((e) => {
        const value = new Uint8Array(Math.max(blockBytes, e.value.length));
        value.set(e.value);
        value.set(noiseBytes(Math.min(noise, value.length - e.value.length)), e.value.length);
        return { key: e.key, value, lz4: true };
    });
    blocks.push({ entries: rest });
    return { blob: snapshotBlob([writeSstable(blocks), state, shallow]), doc, inflatesTo: changes.length * blockBytes };
}

/**
 * A real snapshot whose oplog meta declares `entries` blocks: the real blocks' entries, then 7-byte entries
 * (offset, empty key, large flag) up to the count, all under a correct meta checksum. The layout check
 * that refuses it comes only after every entry was read. `declared` puts another count in the meta's
 * count field (millions, over a few entries: a small file that claims a huge table). `data: true` also
 * writes each fake block (one byte and its checksum) after the real ones, so the table's sizes agree
 * with the count and the reader walks all of it before the keys (empty, out of order) refuse it.
 */
export function hugeMetaSnapshot({ entries = 4_000_000, declared = entries, data = false, doc = smallDoc(1) } = {}) {
    const [oplog, state, shallow] = snapshotSections(doc.export({ mode: 'snapshot' }));
    const t = Buffer.from(oplog);
    const metaOffset = t.readUInt32LE(t.length - 4);
    const realCount = t.readUInt32LE(metaOffset);
    const realEntries = t.subarray(metaOffset + 4, t.length - 8);
    const fakes = entries - realCount;
    const fake = Buffer.alloc(7 * fakes);
    const body = Buffer.from([0]);
    const blocks = data ? Buffer.alloc(5 * fakes) : Buffer.alloc(0);
    for (let i = 0; i < fakes; i++) {
        fake.writeUInt32LE(data ? metaOffset + 5 * i : 5, 7 * i);
        fake[7 * i + 6] = 0x80;
        if (data) blocks.writeUInt32LE(xxh32(body, LORO_SEED), 5 * i + 1);
    }
    const meta = Buffer.concat([realEntries, fake]);
    const table = Buffer.concat([t.subarray(0, metaOffset), blocks, u32le(declared), meta,
        u32le(xxh32(meta, LORO_SEED)), u32le(metaOffset + blocks.length)]);
    return snapshotBlob([new Uint8Array(table), state, shallow]);
}

// ---- msgpack ------------------------------------------------------------------------------------

/** One msgpack array32 of `bytes - 5` elements, each the 1-byte fixint 1: `bytes` long in all. */
export function fixintArrayFrame(bytes) {
    const out = Buffer.alloc(bytes, 1);
    out[0] = 0xdd;
    out.writeUInt32BE(bytes - 5, 1);
    return new Uint8Array(out);
}

/** A Sync1 sendUpdate map whose extra key holds an array32 of fixints: `bytes` long in all. */
export function fixintArrayInMapFrame(entityId, bytes) {
    const head = Buffer.concat([Buffer.from([0x83, 0xa4]), Buffer.from('type'), Buffer.from([0xaa]),
        Buffer.from('sendUpdate'), Buffer.from([0xa8]), Buffer.from('entityId'), Buffer.from([0xd9, entityId.length]),
        Buffer.from(entityId), Buffer.from([0xa3]), Buffer.from('pad'), Buffer.from([0xdd])]);
    const count = bytes - head.length - 4;
    const out = Buffer.alloc(bytes, 1);
    head.copy(out);
    out.writeUInt32BE(count, head.length);
    return new Uint8Array(out);
}

/** Peak RSS (VmHWM, KiB) of `pid`, from /proc. */
export async function peakRssKiB(pid) {
    const { readFileSync } = await import('node:fs');
    const m = /^VmHWM:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : NaN;
}

/** Resets `pid`'s peak RSS to its current RSS (Linux: "5" to /proc/<pid>/clear_refs); false if refused. */
export async function resetPeakRss(pid) {
    const { writeFileSync } = await import('node:fs');
    try {
        writeFileSync(`/proc/${pid}/clear_refs`, '5');
        return true;
    } catch {
        return false;
    }
}
