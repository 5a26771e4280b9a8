#pragma once

#include <QStringView>

namespace canopy::auth {

// The atproto DID syntax (atproto-auth.md 4.5, @atproto/syntax ensureValidDid): lowercase "did:",
// method [a-z]+, ":", identifier [A-Za-z0-9._:%-]* ending in [A-Za-z0-9._-], at most 2048 chars.
// No "#", "?" or "/": a DID URL with a fragment is not a DID.
bool isValidAtprotoDid(QStringView did);

} // namespace canopy::auth
