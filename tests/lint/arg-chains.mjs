// Guard for hostile clients, item 11 (ctest lint.arg-chains): QString::arg must not rewrite what a
// client sent. Two shapes do:
// - a chain, `.arg(a).arg(b)` (also across lines, or through other calls: `.arg(a).trimmed().arg(b)`):
//   the second arg scans the text the first put in for %N markers, so did:web:host%2Fa or a room
//   named "%1" comes out changed in errors and logs. One multi-argument arg(a, b), or QStringBuilder;
// - a format that is not a string literal (`QString(clientText).arg(x)`, `message.arg(x)`): the
//   client's own %N would be replaced. The format of every arg is a literal: QStringLiteral("..."),
//   tr("..."), u"..."_s, QLatin1String("..."), QString::fromLatin1("...") and the like.
// The scan reads C++ sources with comments and string literals blanked and parentheses matched.
// It checks itself on known samples first, so a broken scanner fails instead of passing.
//
// usage: node arg-chains.mjs <folder>...   (exit 1 and one line per finding, file:line)

import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

/** Source text with comments, string and character literals blanked (newlines kept, so lines still count). */
export function blank(text) {
    let out = '';
    let i = 0;
    const keep = (s) => s.replace(/[^\n]/g, ' ');
    while (i < text.length) {
        const c = text[i];
        const next = text[i + 1];
        if (c === '/' && next === '/') {
            const end = text.indexOf('\n', i);
            const stop = end < 0 ? text.length : end;
            out += keep(text.slice(i, stop));
            i = stop;
        } else if (c === '/' && next === '*') {
            const end = text.indexOf('*/', i + 2);
            const stop = end < 0 ? text.length : end + 2;
            out += keep(text.slice(i, stop));
            i = stop;
        } else if (c === '"' && /(?:^|[^A-Za-z0-9_])(?:u8|u|U|L)?R$/.test(text.slice(Math.max(0, i - 4), i))) {
            // A raw string, R"delim( ... )delim" (also u8R, uR, UR, LR).
            const open = text.indexOf('(', i);
            const delim = text.slice(i + 1, open);
            const end = text.indexOf(`)${delim}"`, open);
            const stop = end < 0 ? text.length : end + delim.length + 2;
            out += '"' + keep(text.slice(i + 1, stop - 1)) + '"';
            i = stop;
        } else if (c === '"' || (c === "'" && !/[0-9A-Fa-f]/.test(text[i - 1] ?? ''))) {
            // A literal (a ' after a hex digit is a digit separator, 1'000).
            let j = i + 1;
            while (j < text.length && text[j] !== c && text[j] !== '\n') j += text[j] === '\\' ? 2 : 1;
            out += c + keep(text.slice(i + 1, j)) + c;
            i = j + 1;
        } else {
            out += c;
            i += 1;
        }
    }
    return out;
}

/** Index just past the parenthesis that closes the one at `open`, or -1. */
function closeParen(code, open) {
    let depth = 0;
    for (let i = open; i < code.length; ++i) {
        if (code[i] === '(') ++depth;
        else if (code[i] === ')' && --depth === 0) return i + 1;
    }
    return -1;
}

/** Index of the parenthesis that opens the one that closes at `close`, or -1. */
function openParen(code, close) {
    let depth = 0;
    for (let i = close; i >= 0; --i) {
        if (code[i] === ')') ++depth;
        else if (code[i] === '(' && --depth === 0) return i;
    }
    return -1;
}

/** Top-level comma-separated arguments of the call whose parentheses span [open, close]. */
function callArguments(code, open, close) {
    const args = [];
    let depth = 0;
    let start = open + 1;
    for (let i = open + 1; i < close; ++i) {
        const c = code[i];
        if (c === '(' || c === '[' || c === '{') ++depth;
        else if (c === ')' || c === ']' || c === '}') --depth;
        else if (c === ',' && depth === 0) {
            args.push(code.slice(start, i));
            start = i + 1;
        }
    }
    args.push(code.slice(start, close));
    return args.map((a) => a.trim());
}

// One or more adjacent string literals (blanked: only spaces inside), with an optional prefix.
const literal = /^(?:(?:u8|u|U|L)?R?"[ \n]*"\s*)+$/;
// Calls that make a format string out of a literal first argument.
const formatMakers = /(?:^|::)(?:QStringLiteral|QLatin1String|QLatin1StringView|QStringView|QString|fromLatin1|fromUtf8|fromLocal8Bit|tr|trUtf8)$/;
const callAt = /^\s*(?:\.|->)\s*([A-Za-z_][A-Za-z0-9_]*)\s*(?:<[^<>()]*>\s*)?\(/;

const lineOf = (code, index) => code.slice(0, index).split('\n').length;

/**
 * What the receiver that ends just before `dot` is: 'literal' (a format made from a string literal),
 * 'chain' (the result of an earlier .arg(), maybe through other member calls) or 'other'.
 */
function receiverKind(code, dot) {
    for (;;) {
        let end = dot - 1;
        while (end >= 0 && /\s/.test(code[end])) --end;
        // u"..."_s, "..."_L1 and friends.
        if (/"[ \n]*"\s*_(?:s|L1|qs)$/.test(code.slice(Math.max(0, end - 4000), end + 1))) return 'literal';
        if (code[end] !== ')') return 'other';
        const open = openParen(code, end);
        if (open < 0) return 'other';
        let nameEnd = open - 1;
        while (nameEnd >= 0 && /\s/.test(code[nameEnd])) --nameEnd;
        let nameStart = nameEnd;
        while (nameStart >= 0 && /[A-Za-z0-9_:]/.test(code[nameStart])) --nameStart;
        const name = code.slice(nameStart + 1, nameEnd + 1);
        let before = nameStart;
        while (before >= 0 && /\s/.test(code[before])) --before;
        const member = code[before] === '.' || (code[before] === '>' && code[before - 1] === '-');
        if (member && name === 'arg') return 'chain';
        if (member && !/::/.test(name)) {
            // s.trimmed().arg(x): what matters is what s is.
            dot = code[before] === '.' ? before : before - 1;
            continue;
        }
        const args = callArguments(code, open, end);
        if (/(?:^|::)translate$/.test(name))
            return args.length >= 2 && literal.test(args[0]) && literal.test(args[1]) ? 'literal' : 'other';
        return formatMakers.test(name) && literal.test(args[0] ?? '') ? 'literal' : 'other';
    }
}

/** Findings in one source text: [{ line, what }], a chain reported at its second arg. */
export function findings(text) {
    const code = blank(text);
    const found = new Map();
    const arg = /\.\s*arg\s*\(/g;
    let m;
    while ((m = arg.exec(code))) {
        if (receiverKind(code, m.index) === 'other') {
            const line = lineOf(code, m.index);
            found.set(`${line}:format`, { line, what: 'the format of QString::arg is not a string literal' });
        }
        let pos = closeParen(code, m.index + m[0].length - 1);
        // Follow the chain of member calls, .name(...) or ->name(...), as long as it goes on.
        while (pos > 0) {
            const call = callAt.exec(code.slice(pos, pos + 400));
            if (!call) break;
            const open = pos + call[0].length - 1;
            if (call[1] === 'arg') {
                const line = lineOf(code, open);
                found.set(`${line}:chain`, {
                    line, what: 'chained QString::arg (use one multi-argument arg(a, b) or QStringBuilder)' });
                break;
            }
            pos = closeParen(code, open);
        }
    }
    return [...found.values()].sort((a, b) => a.line - b.line);
}

// The scanner's own check: each sample's expected finding lines (1-based).
const samples = [
    ['QStringLiteral("%1 holds %2").arg(did).arg(n);', [1]],
    ['QStringLiteral("%1 holds %2")\n    .arg(did)\n    .arg(QString::number(n));', [3]],
    ['tr("%1 of %2").arg(f(a, g(b))) // why\n    .arg(c);', [2]],
    ['QStringLiteral("%1 %2").arg(a).trimmed().arg(b);', [1]],
    ['QStringLiteral("%1 %2 %3").arg(a)\n    .arg(b)\n    .arg(c);', [2, 3]],
    ['u"%1 %2"_s.arg(a).arg(b);', [1]],
    ['QString(clientText).arg(x);', [1]],
    ['message.arg(x);', [1]],
    ['QString::fromUtf8(bytes).arg(x);', [1]],
    ['QCoreApplication::translate("ctx", text).arg(x);', [1]],
    ['QStringLiteral("%1 holds %2").arg(did, QString::number(n));', []],
    ['QStringLiteral("%1").arg(QStringLiteral("no #%1 key").arg(kid));', []],
    ['QStringLiteral("%1: %2").arg(ok ? QStringLiteral("a%1").arg(x) : QString(), y);', []],
    ['tr("%1 of %n", nullptr, int(n)).arg(x);\nMsgpackTree::tr("at %1").arg(p);', []],
    ['QCoreApplication::translate("ctx", "a %1").arg(x);\nQLatin1String("%1").arg(y);', []],
    ['u"%1"_s.arg(a);\nQStringLiteral("a" "b %1").arg(b);\nQString::fromLatin1("%1").arg(c);', []],
    ['// QStringLiteral("%1 %2").arg(a).arg(b);\n/* x.arg(a).arg(b) */ s = "y.arg(a).arg(b)";', []],
    ['r = R"(.arg(a).arg(b))";\nc = \'"\';\nn = 1\'000;', []],
];

export function selfTest() {
    const failures = [];
    for (const [text, lines] of samples) {
        const got = findings(text).map((f) => f.line);
        if (JSON.stringify(got) !== JSON.stringify(lines))
            failures.push(`sample ${JSON.stringify(text)}: expected findings on lines [${lines}], got [${got}]`);
    }
    return failures;
}

function* sources(dir) {
    for (const name of readdirSync(dir).sort()) {
        const path = join(dir, name);
        if (statSync(path).isDirectory()) yield* sources(path);
        else if (/\.(cpp|h|hpp|cc|cxx|mm)$/.test(name)) yield path;
    }
}

if (import.meta.url === `file://${process.argv[1]}`) {
    const dirs = process.argv.slice(2);
    if (dirs.length === 0) {
        console.error('usage: node arg-chains.mjs <folder>...');
        process.exit(2);
    }
    const broken = selfTest();
    if (broken.length > 0) {
        console.error(`arg-chains: the scanner fails its own samples:\n${broken.join('\n')}`);
        process.exit(2);
    }
    let count = 0;
    let files = 0;
    for (const dir of dirs) {
        for (const file of sources(dir)) {
            ++files;
            for (const { line, what } of findings(readFileSync(file, 'utf8'))) {
                console.log(`${relative(process.cwd(), file)}:${line}: ${what}`);
                ++count;
            }
        }
    }
    if (files === 0) {
        console.error(`arg-chains: no C++ sources under ${dirs.join(' ')}`);
        process.exit(2);
    }
    console.log(`arg-chains: ${files} files in ${dirs.join(' ')}, ${count} finding(s)`);
    process.exit(count === 0 ? 0 : 1);
}
