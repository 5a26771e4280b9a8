#include "log/LogCategories.h"

Q_LOGGING_CATEGORY(lcHttp, "canopy.http", QtInfoMsg)
Q_LOGGING_CATEGORY(lcSync, "canopy.sync", QtInfoMsg)
Q_LOGGING_CATEGORY(lcAuth, "canopy.auth", QtInfoMsg)
Q_LOGGING_CATEGORY(lcStore, "canopy.store", QtInfoMsg)
Q_LOGGING_CATEGORY(lcLoro, "canopy.loro", QtInfoMsg)
Q_LOGGING_CATEGORY(lcHost, "canopy.host", QtInfoMsg)
Q_LOGGING_CATEGORY(lcAccess, "canopy.access", QtInfoMsg)
Q_LOGGING_CATEGORY(lcBackup, "canopy.backup", QtInfoMsg)
