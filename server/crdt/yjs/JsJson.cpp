#include "crdt/yjs/JsJson.h"

#include "crdt/yjs/Lib0Any.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <utility>
#include <vector>

#include <QHash>
#include <QString>

namespace canopy::yjs {

namespace {

// A recursive-descent JSON.parse that writes JSON.stringify's text for what it parsed.
class JsonCanon
{
public:
    explicit JsonCanon(QByteArrayView text)
        : m_text(text)
    {
    }

    std::optional<QByteArray> run()
    {
        QByteArray out;
        skipSpace();
        if (!value(out, 0))
            return std::nullopt;
        skipSpace();
        if (m_pos != m_text.size())
            return std::nullopt;
        return out;
    }

private:
    QByteArrayView m_text;
    qsizetype m_pos = 0;

    bool atEnd() const { return m_pos >= m_text.size(); }
    char peek() const { return atEnd() ? '\0' : m_text[m_pos]; }

    void skipSpace()
    {
        while (!atEnd()) {
            const char c = m_text[m_pos];
            if (c != ' ' && c != '\t' && c != '\n' && c != '\r')
                return;
            ++m_pos;
        }
    }

    bool literal(const char *word, QByteArray &out)
    {
        const QByteArrayView w(word);
        if (m_text.size() - m_pos < w.size() || m_text.sliced(m_pos, w.size()) != w)
            return false;
        m_pos += w.size();
        out.append(w);
        return true;
    }

    bool value(QByteArray &out, int depth)
    {
        if (depth > MaxAnyDepth)
            return false;
        switch (peek()) {
        case '{':
            return object(out, depth);
        case '[':
            return array(out, depth);
        case '"': {
            QString decoded;
            if (!string(&decoded))
                return false;
            writeString(out, decoded);
            return true;
        }
        case 't':
            return literal("true", out);
        case 'f':
            return literal("false", out);
        case 'n':
            return literal("null", out);
        default:
            return number(out);
        }
    }

    bool array(QByteArray &out, int depth)
    {
        ++m_pos; // [
        out.append('[');
        skipSpace();
        if (peek() == ']') {
            ++m_pos;
            out.append(']');
            return true;
        }
        for (bool first = true;; first = false) {
            if (!first)
                out.append(',');
            skipSpace();
            if (!value(out, depth + 1))
                return false;
            skipSpace();
            if (peek() == ',') {
                ++m_pos;
                continue;
            }
            if (peek() == ']') {
                ++m_pos;
                out.append(']');
                return true;
            }
            return false;
        }
    }

    static std::optional<quint64> arrayIndex(const QString &key)
    {
        if (key.isEmpty() || key.size() > 10 || (key.size() > 1 && key[0] == u'0'))
            return std::nullopt;
        quint64 v = 0;
        for (QChar c : key) {
            if (c < u'0' || c > u'9')
                return std::nullopt;
            v = v * 10 + quint64(c.unicode() - u'0');
        }
        if (v > 4294967294u)
            return std::nullopt;
        return v;
    }

    bool object(QByteArray &out, int depth)
    {
        ++m_pos; // {
        std::vector<std::pair<QString, QByteArray>> entries;
        QHash<QString, size_t> position;
        skipSpace();
        if (peek() == '}') {
            ++m_pos;
            out.append("{}");
            return true;
        }
        for (;;) {
            skipSpace();
            if (peek() != '"')
                return false;
            QString key;
            if (!string(&key))
                return false;
            skipSpace();
            if (peek() != ':')
                return false;
            ++m_pos;
            skipSpace();
            QByteArray item;
            if (!value(item, depth + 1))
                return false;
            const auto found = position.constFind(key);
            if (found != position.constEnd()) {
                entries[*found].second = std::move(item);
            } else {
                position.insert(key, entries.size());
                entries.emplace_back(std::move(key), std::move(item));
            }
            skipSpace();
            if (peek() == ',') {
                ++m_pos;
                continue;
            }
            if (peek() == '}') {
                ++m_pos;
                break;
            }
            return false;
        }
        std::stable_sort(entries.begin(), entries.end(), [](const auto &a, const auto &b) {
            const auto ia = arrayIndex(a.first);
            const auto ib = arrayIndex(b.first);
            if (ia && ib)
                return *ia < *ib;
            return ia.has_value() && !ib.has_value();
        });
        out.append('{');
        for (size_t i = 0; i < entries.size(); ++i) {
            if (i > 0)
                out.append(',');
            writeString(out, entries[i].first);
            out.append(':');
            out.append(entries[i].second);
        }
        out.append('}');
        return true;
    }

    static int hexDigit(char c)
    {
        if (c >= '0' && c <= '9')
            return c - '0';
        if (c >= 'a' && c <= 'f')
            return c - 'a' + 10;
        if (c >= 'A' && c <= 'F')
            return c - 'A' + 10;
        return -1;
    }

    // A JSON string into UTF-16 (lone surrogates from \u escapes kept, as JavaScript does).
    bool string(QString *decoded)
    {
        ++m_pos; // "
        const qsizetype start = m_pos;
        while (!atEnd()) {
            const char c = m_text[m_pos];
            if (c == '"') {
                decoded->append(QString::fromUtf8(m_text.sliced(start, m_pos - start)));
                ++m_pos;
                return true;
            }
            if (c == '\\' || quint8(c) < 0x20)
                break;
            ++m_pos;
        }
        decoded->append(QString::fromUtf8(m_text.sliced(start, m_pos - start)));
        qsizetype runStart = m_pos;
        auto flush = [&] {
            if (m_pos > runStart)
                decoded->append(QString::fromUtf8(m_text.sliced(runStart, m_pos - runStart)));
        };
        while (!atEnd()) {
            const char c = m_text[m_pos];
            if (c == '"') {
                flush();
                ++m_pos;
                return true;
            }
            if (quint8(c) < 0x20)
                return false;
            if (c != '\\') {
                ++m_pos;
                continue;
            }
            flush();
            if (m_text.size() - m_pos < 2)
                return false;
            const char e = m_text[m_pos + 1];
            m_pos += 2;
            switch (e) {
            case '"':
                decoded->append(u'"');
                break;
            case '\\':
                decoded->append(u'\\');
                break;
            case '/':
                decoded->append(u'/');
                break;
            case 'b':
                decoded->append(u'\b');
                break;
            case 'f':
                decoded->append(u'\f');
                break;
            case 'n':
                decoded->append(u'\n');
                break;
            case 'r':
                decoded->append(u'\r');
                break;
            case 't':
                decoded->append(u'\t');
                break;
            case 'u': {
                if (m_text.size() - m_pos < 4)
                    return false;
                int unit = 0;
                for (int i = 0; i < 4; ++i) {
                    const int d = hexDigit(m_text[m_pos + i]);
                    if (d < 0)
                        return false;
                    unit = unit * 16 + d;
                }
                m_pos += 4;
                decoded->append(QChar(char16_t(unit)));
                break;
            }
            default:
                return false;
            }
            runStart = m_pos;
        }
        return false;
    }

    static void appendUtf8(QByteArray &out, char32_t cp)
    {
        if (cp < 0x80) {
            out.append(char(cp));
        } else if (cp < 0x800) {
            out.append(char(0xc0 | (cp >> 6)));
            out.append(char(0x80 | (cp & 0x3f)));
        } else if (cp < 0x10000) {
            out.append(char(0xe0 | (cp >> 12)));
            out.append(char(0x80 | ((cp >> 6) & 0x3f)));
            out.append(char(0x80 | (cp & 0x3f)));
        } else {
            out.append(char(0xf0 | (cp >> 18)));
            out.append(char(0x80 | ((cp >> 12) & 0x3f)));
            out.append(char(0x80 | ((cp >> 6) & 0x3f)));
            out.append(char(0x80 | (cp & 0x3f)));
        }
    }

    static void escapeUnit(QByteArray &out, char16_t unit)
    {
        static const char hex[] = "0123456789abcdef";
        out.append("\\u");
        out.append(hex[(unit >> 12) & 0xf]);
        out.append(hex[(unit >> 8) & 0xf]);
        out.append(hex[(unit >> 4) & 0xf]);
        out.append(hex[unit & 0xf]);
    }

    // JSON.stringify's QuoteJSONString (well-formed: lone surrogates escaped).
    static void writeString(QByteArray &out, const QString &s)
    {
        out.append('"');
        const qsizetype n = s.size();
        for (qsizetype i = 0; i < n; ++i) {
            const char16_t u = s[i].unicode();
            switch (u) {
            case u'"':
                out.append("\\\"");
                continue;
            case u'\\':
                out.append("\\\\");
                continue;
            case u'\b':
                out.append("\\b");
                continue;
            case u'\f':
                out.append("\\f");
                continue;
            case u'\n':
                out.append("\\n");
                continue;
            case u'\r':
                out.append("\\r");
                continue;
            case u'\t':
                out.append("\\t");
                continue;
            default:
                break;
            }
            if (u < 0x20) {
                escapeUnit(out, u);
            } else if (QChar::isHighSurrogate(u) && i + 1 < n && s[i + 1].isLowSurrogate()) {
                appendUtf8(out, QChar::surrogateToUcs4(u, s[i + 1].unicode()));
                ++i;
            } else if (QChar::isSurrogate(u)) {
                escapeUnit(out, u);
            } else {
                appendUtf8(out, u);
            }
        }
        out.append('"');
    }

    bool number(QByteArray &out)
    {
        const qsizetype start = m_pos;
        auto digits = [&] {
            const qsizetype from = m_pos;
            while (!atEnd() && peek() >= '0' && peek() <= '9')
                ++m_pos;
            return m_pos - from;
        };
        if (peek() == '-')
            ++m_pos;
        if (peek() == '0') {
            ++m_pos;
        } else if (digits() == 0) {
            return false;
        }
        if (peek() == '.') {
            ++m_pos;
            if (digits() == 0)
                return false;
        }
        if (peek() == 'e' || peek() == 'E') {
            ++m_pos;
            if (peek() == '+' || peek() == '-')
                ++m_pos;
            if (digits() == 0)
                return false;
        }
        const QByteArrayView text = m_text.sliced(start, m_pos - start);
        double value = 0;
        const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
        if (ec == std::errc::result_out_of_range) {
            value = outOfRange(text);
        } else if (ec != std::errc() || end != text.data() + text.size()) {
            return false;
        }
        if (!std::isfinite(value)) {
            out.append("null");
            return true;
        }
        out.append(jsNumberText(value));
        return true;
    }

    // from_chars reports both overflow and underflow the same way: JavaScript gives ±Infinity
    // for the one and ±0 for the other.
    static double outOfRange(QByteArrayView text)
    {
        const bool negative = text.startsWith('-');
        qsizetype i = negative ? 1 : 0;
        qint64 firstDigitPower = 0; // the decimal exponent of the first nonzero digit
        bool found = false;
        qint64 intDigits = 0;
        bool fraction = false;
        qint64 leadingFractionZeros = 0;
        for (; i < text.size() && text[i] != 'e' && text[i] != 'E'; ++i) {
            const char c = text[i];
            if (c == '.') {
                fraction = true;
                continue;
            }
            if (!found && c != '0') {
                found = true;
                firstDigitPower = fraction ? -(leadingFractionZeros + 1) : 0;
            }
            if (!fraction && found)
                ++intDigits;
            if (fraction && !found)
                ++leadingFractionZeros;
        }
        if (found && intDigits > 0)
            firstDigitPower = intDigits - 1;
        qint64 exponent = 0;
        if (i < text.size()) {
            ++i;
            bool expNegative = false;
            if (i < text.size() && (text[i] == '+' || text[i] == '-'))
                expNegative = text[i++] == '-';
            for (; i < text.size(); ++i)
                exponent = std::min<qint64>(exponent * 10 + (text[i] - '0'), 1000000000);
            if (expNegative)
                exponent = -exponent;
        }
        const bool huge = found && firstDigitPower + exponent > 0;
        const double magnitude = huge ? HUGE_VAL : 0.0;
        return negative ? -magnitude : magnitude;
    }
};

} // namespace

QByteArray jsNumberText(double value)
{
    if (value == 0)
        return QByteArrayLiteral("0");
    QByteArray out;
    if (value < 0) {
        out.append('-');
        value = -value;
    }
    char buffer[64];
    const auto result
        = std::to_chars(buffer, buffer + sizeof buffer, value, std::chars_format::scientific);
    // buffer: d[.ddd]e±xx, the shortest digits that read back as value.
    const QByteArrayView sci(buffer, result.ptr - buffer);
    const qsizetype ePos = sci.indexOf('e');
    QByteArray digits;
    for (qsizetype i = 0; i < ePos; ++i) {
        if (sci[i] != '.')
            digits.append(sci[i]);
    }
    int exponent = 0;
    std::from_chars(
        sci.data() + ePos + (sci[ePos + 1] == '+' ? 2 : 1), sci.data() + sci.size(), exponent);
    const int k = int(digits.size());
    const int n = exponent + 1; // value = 0.digits * 10^n
    if (k <= n && n <= 21) {
        out.append(digits);
        out.append(QByteArray(n - k, '0'));
    } else if (0 < n && n <= 21) {
        out.append(digits.left(n));
        out.append('.');
        out.append(digits.mid(n));
    } else if (-6 < n && n <= 0) {
        out.append("0.");
        out.append(QByteArray(-n, '0'));
        out.append(digits);
    } else {
        out.append(digits[0]);
        if (k > 1) {
            out.append('.');
            out.append(digits.mid(1));
        }
        out.append('e');
        out.append(n - 1 >= 0 ? '+' : '-');
        out.append(QByteArray::number(std::abs(n - 1)));
    }
    return out;
}

std::optional<QByteArray> rewriteJson(QByteArrayView text)
{
    return JsonCanon(text).run();
}

Canonical checkJson(QByteArrayView text)
{
    const auto canonical = JsonCanon(text).run();
    if (!canonical)
        return Canonical::Invalid;
    return *canonical == text ? Canonical::Yes : Canonical::Rewrite;
}

} // namespace canopy::yjs
