#pragma once

namespace canopy::yjs {

// How a piece of content compares with what yjs writes after reading it: yjs decodes every
// content to JavaScript values and encodes them again (JSON.parse/JSON.stringify,
// readAny/writeAny), so only bytes in that normal form survive a merge unchanged.
enum class Canonical : unsigned char
{
    Invalid, // yjs would throw reading it (or the host's nesting bound is passed)
    Yes, // yjs writes exactly these bytes back
    Rewrite, // valid, but yjs writes other bytes
};

inline Canonical worst(Canonical a, Canonical b)
{
    if (a == Canonical::Invalid || b == Canonical::Invalid)
        return Canonical::Invalid;
    return a == Canonical::Rewrite || b == Canonical::Rewrite ? Canonical::Rewrite : Canonical::Yes;
}

} // namespace canopy::yjs
