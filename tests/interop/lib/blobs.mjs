// Helpers to inspect and corrupt real Loro export blobs (protocol.md Part B).
// Blobs are always produced by loro-crdt; these functions only damage or measure them.

const P1 = 2654435761;
const P2 = 2246822519;
const P3 = 3266489917;
const P4 = 668265263;
const P5 = 374761393;

function rotl(x, r) {
    return ((x << r) | (x >>> (32 - r))) >>> 0;
}

function round(acc, input) {
    acc = (acc + Math.imul(input, P2)) >>> 0;
    acc = rotl(acc, 13);
    return Math.imul(acc, P1) >>> 0;
}

/** Standard 32-bit xxHash (Collet). */
export function xxh32(bytes, seed = 0) {
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const len = bytes.length;
    let i = 0;
    let h;
    if (len >= 16) {
        let v1 = (seed + P1 + P2) >>> 0;
        let v2 = (seed + P2) >>> 0;
        let v3 = seed >>> 0;
        let v4 = (seed - P1) >>> 0;
        const limit = len - 16;
        while (i <= limit) {
            v1 = round(v1, view.getUint32(i, true)); i += 4;
            v2 = round(v2, view.getUint32(i, true)); i += 4;
            v3 = round(v3, view.getUint32(i, true)); i += 4;
            v4 = round(v4, view.getUint32(i, true)); i += 4;
        }
        h = (rotl(v1, 1) + rotl(v2, 7) + rotl(v3, 12) + rotl(v4, 18)) >>> 0;
    } else {
        h = (seed + P5) >>> 0;
    }
    h = (h + len) >>> 0;
    while (i + 4 <= len) {
        h = (h + Math.imul(view.getUint32(i, true), P3)) >>> 0;
        h = Math.imul(rotl(h, 17), P4) >>> 0;
        i += 4;
    }
    while (i < len) {
        h = (h + Math.imul(bytes[i], P5)) >>> 0;
        h = Math.imul(rotl(h, 11), P1) >>> 0;
        i += 1;
    }
    h ^= h >>> 15;
    h = Math.imul(h, P2) >>> 0;
    h ^= h >>> 13;
    h = Math.imul(h, P3) >>> 0;
    h ^= h >>> 16;
    return h >>> 0;
}

/** Seed used by Loro: the little-endian u32 of ASCII "LORO". */
export const LORO_SEED = 0x4f524f4c;

export function blobMode(blob) {
    return (blob[20] << 8) | blob[21];
}

export function storedChecksum(blob) {
    return new DataView(blob.buffer, blob.byteOffset, blob.byteLength).getUint32(16, true);
}

export function computeChecksum(blob) {
    return xxh32(blob.subarray(20), LORO_SEED);
}

/** Returns a copy of `blob` with a correct checksum for its current bytes 20..end. */
export function withFixedChecksum(blob) {
    const out = Uint8Array.from(blob);
    new DataView(out.buffer).setUint32(16, computeChecksum(out), true);
    return out;
}

/** Checksum byte flipped: the body is intact, the checksum no longer matches. */
export function flipChecksum(blob) {
    const out = Uint8Array.from(blob);
    out[16] ^= 0xff;
    return out;
}

/** A body byte flipped, checksum left as it was (so it mismatches). */
export function flipBodyByte(blob) {
    const out = Uint8Array.from(blob);
    const at = Math.min(out.length - 1, 22 + Math.floor((out.length - 22) / 2));
    out[at] ^= 0x5a;
    return out;
}

/** Wrong magic ("LORO" upper case instead of "loro"), checksum still valid (it does not cover the magic). */
export function wrongMagic(blob) {
    const out = Uint8Array.from(blob);
    out.set([0x4c, 0x4f, 0x52, 0x4f], 0);
    return out;
}

/** Encode mode set to `mode` (e.g. 7, unknown), checksum recomputed so only the mode is wrong. */
export function withMode(blob, mode) {
    const out = Uint8Array.from(blob);
    out[20] = (mode >> 8) & 0xff;
    out[21] = mode & 0xff;
    return withFixedChecksum(out);
}

/** Body cut short (inside a block / section), checksum recomputed so only the truncation is wrong. */
export function truncatedBody(blob) {
    const cut = 22 + Math.max(1, Math.floor((blob.length - 22) / 2));
    return withFixedChecksum(blob.subarray(0, cut));
}

/** Shorter than the 22-byte header. */
export function truncatedHeader(blob) {
    return Uint8Array.from(blob.subarray(0, 15));
}

/** LEB128 reader for mode-4 bodies. */
function readLeb(bytes, pos) {
    let value = 0;
    let shift = 0;
    for (;;) {
        if (pos >= bytes.length) throw new Error('truncated LEB');
        const b = bytes[pos++];
        value += (b & 0x7f) * 2 ** shift;
        if ((b & 0x80) === 0) return [value, pos];
        shift += 7;
    }
}

/** Number of change blocks in a mode-4 blob (B4), or -1 if not mode 4. */
export function countBlocks(blob) {
    if (blob.length < 22 || blobMode(blob) !== 4) return -1;
    let pos = 22;
    let n = 0;
    while (pos < blob.length) {
        const [len, next] = readLeb(blob, pos);
        pos = next + len;
        n += 1;
    }
    return n;
}

/**
 * The change blocks of a mode-4 blob (B4): [{ peer (decimal string), start, end }] with `end` exclusive.
 * Returns [] for anything that is not a well-formed mode-4 blob.
 */
export function blockRanges(blob) {
    if (blob.length < 22 || blobMode(blob) !== 4) return [];
    const out = [];
    const view = new DataView(blob.buffer, blob.byteOffset, blob.byteLength);
    let pos = 22;
    try {
        while (pos < blob.length) {
            const [len, bodyStart] = readLeb(blob, pos);
            let p = bodyStart;
            let counterStart;
            let counterLen;
            [counterStart, p] = readLeb(blob, p);
            [counterLen, p] = readLeb(blob, p);
            [, p] = readLeb(blob, p);            // lamport_start
            [, p] = readLeb(blob, p);            // lamport_len
            [, p] = readLeb(blob, p);            // n_changes
            [, p] = readLeb(blob, p);            // header length
            [, p] = readLeb(blob, p);            // peer_num
            const peer = view.getBigUint64(p, true).toString();
            out.push({ peer, start: counterStart, end: counterStart + counterLen });
            pos = bodyStart + len;
        }
    } catch {
        return out;
    }
    return out;
}
