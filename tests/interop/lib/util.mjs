// Small, dependency-free helpers shared by the interop tests and the benchmark.
// Every wait here has a deadline: nothing may hang a ctest entry.

import { setTimeout as delay } from 'node:timers/promises';

export { delay };

/** Poll `fn` until it returns a truthy value, or throw after `timeoutMs`. Returns that value. */
export async function waitUntil(fn, { timeoutMs = 5000, intervalMs = 10, what = 'condition' } = {}) {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
        const value = await fn();
        if (value) return value;
        if (Date.now() >= deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
        await delay(intervalMs);
    }
}

/** Race a promise against a deadline. */
export function withTimeout(promise, timeoutMs, what = 'operation') {
    let timer;
    const timeout = new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)), timeoutMs);
        timer.unref?.();
    });
    return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** A promise with its resolve/reject exposed. */
export function deferred() {
    let resolve, reject;
    const promise = new Promise((res, rej) => { resolve = res; reject = rej; });
    return { promise, resolve, reject };
}

export function toHex(bytes, max = 64) {
    const b = Buffer.from(bytes.buffer, bytes.byteOffset, Math.min(bytes.length, max));
    return b.toString('hex') + (bytes.length > max ? '…' : '');
}

/** Percentile (0..100) of a numeric array, nearest-rank. */
export function percentile(values, p) {
    if (values.length === 0) return NaN;
    const sorted = Float64Array.from(values).sort();
    const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
    return sorted[rank];
}
