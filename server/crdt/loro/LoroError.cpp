#include "crdt/loro/LoroBlob.h"

namespace canopy::loro {

QString describe(LoroErrorCode code)
{
    // Stable names: they end up in logs and metrics labels, so never rename one.
    switch (code) {
    case LoroErrorCode::TooShort:
        return QStringLiteral("too-short");
    case LoroErrorCode::BadMagic:
        return QStringLiteral("bad-magic");
    case LoroErrorCode::BadChecksum:
        return QStringLiteral("bad-checksum");
    case LoroErrorCode::UnsupportedMode:
        return QStringLiteral("unsupported-mode");
    case LoroErrorCode::UnknownMode:
        return QStringLiteral("unknown-mode");
    case LoroErrorCode::Truncated:
        return QStringLiteral("truncated");
    case LoroErrorCode::BadBlock:
        return QStringLiteral("bad-block");
    case LoroErrorCode::BadSnapshot:
        return QStringLiteral("bad-snapshot");
    case LoroErrorCode::BadSstable:
        return QStringLiteral("bad-sstable");
    case LoroErrorCode::BadCompression:
        return QStringLiteral("bad-compression");
    case LoroErrorCode::BadVersionVector:
        return QStringLiteral("bad-version-vector");
    case LoroErrorCode::TooLarge:
        return QStringLiteral("too-large");
    }
    return QStringLiteral("unknown-error");
}

} // namespace canopy::loro
