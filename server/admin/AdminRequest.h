#pragma once

#include "admin/AdminTypes.h"
#include "util/Expected.h"

#include <QByteArray>
#include <QDateTime>
#include <QString>

namespace canopy {

// The bodies the admin API accepts, checked field by field before anything acts on them.
struct IssueTokenRequest
{
    QString did;
};

struct BanRequest
{
    QString did;
    QString reason; // empty when absent
    QDateTime until; // invalid: no end
};

Expected<IssueTokenRequest, AdminError> parseIssueTokenRequest(const QByteArray &body);
Expected<BanRequest, AdminError> parseBanRequest(const QByteArray &body);

} // namespace canopy
