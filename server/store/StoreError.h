#pragma once

#include <QString>

namespace canopy {

struct StoreError
{
    enum class Code
    {
        OpenFailed,
        NewerSchema,
        MigrationFailed,
        QueryFailed
    };
    Code code = Code::QueryFailed;
    QString message;
};

} // namespace canopy
