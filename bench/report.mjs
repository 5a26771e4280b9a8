// What the benchmarks print: numbers and Markdown tables, so figures paste into the README as is.

export function fmt(n, digits = 1) {
    if (n === null || n === undefined || Number.isNaN(n)) return '-';
    return n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
}

/** A Markdown table: the first column left-aligned, the others right-aligned. */
export function table(title, headers, rows) {
    const cells = [headers, ...rows.map((r) => r.map(String))];
    const widths = headers.map((_, c) => Math.max(...cells.map((r) => r[c].length)));
    const line = (r) => '| ' + r.map((v, c) => (c === 0 ? v.padEnd(widths[c]) : v.padStart(widths[c]))).join(' | ') + ' |';
    console.log(`\n${title}\n`);
    console.log(line(headers));
    console.log('|' + widths.map((w, c) => (c === 0 ? ':' : '') + '-'.repeat(w + 1) + (c === 0 ? '' : ':')).join('|') + '|');
    for (const r of cells.slice(1)) console.log(line(r));
}
