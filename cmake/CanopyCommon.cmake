# One INTERFACE target carries the language level, warnings and Qt hygiene defines.
add_library(canopy_common INTERFACE)
target_compile_features(canopy_common INTERFACE cxx_std_20)
target_compile_options(canopy_common INTERFACE -Wall -Wextra -Wpedantic -Wno-missing-field-initializers)
target_compile_definitions(canopy_common INTERFACE
    QT_NO_CAST_FROM_ASCII
    QT_NO_CAST_TO_ASCII
    QT_NO_CAST_FROM_BYTEARRAY
    QT_NO_NARROWING_CONVERSIONS_IN_CONNECT
    QT_NO_CONTEXTLESS_CONNECT
    QT_NO_FOREACH
    QT_NO_KEYWORDS
    QT_USE_QSTRINGBUILDER
    QT_DISABLE_DEPRECATED_UP_TO=0x060400
    CANOPY_VERSION="${PROJECT_VERSION}")
