#pragma once

#include <optional>

#include <QByteArray>
#include <QByteArrayView>

namespace canopy::auth {

// base64url as JWS uses it (RFC 7515 2): URL alphabet, no padding, no whitespace, and the unused
// low bits of the last character zero, so every byte string has exactly one accepted encoding.
std::optional<QByteArray> decodeBase64UrlStrict(QByteArrayView text);
QByteArray encodeBase64Url(QByteArrayView bytes);

} // namespace canopy::auth
