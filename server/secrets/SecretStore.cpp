#include "secrets/SecretStore.h"

#include "auth/TokenIssuer.h"

#include <QDir>
#include <QFile>
#include <QSaveFile>
#include <qt6keychain/keychain.h>

namespace canopy {

SecretStore::SecretStore(QString service, QString fallbackDir, QObject *parent)
    : QObject(parent)
    , m_service(std::move(service))
    , m_fallbackDir(std::move(fallbackDir))
{
}

QString SecretStore::fallbackPath(const QString &key) const
{
    return QDir(m_fallbackDir).filePath(key);
}

void SecretStore::loadOrCreate(const QString &key)
{
    if (m_backend == Backend::File) {
        loadFromFile(key);
        return;
    }
    auto *job = new QKeychain::ReadPasswordJob(m_service, this);
    job->setAutoDelete(true);
    job->setKey(key);
    connect(job, &QKeychain::Job::finished, this, [this, key, job] {
        if (job->error() == QKeychain::NoError) {
            Q_EMIT ready(key, job->textData(), Backend::Keychain);
            return;
        }
        if (job->error() != QKeychain::EntryNotFound) {
            Q_EMIT keychainUnavailable(key, job->errorString());
            return;
        }
        // First run: make one and keep it.
        const QString value = TokenIssuer::generateToken();
        auto *writeJob = new QKeychain::WritePasswordJob(m_service, this);
        writeJob->setAutoDelete(true);
        writeJob->setKey(key);
        writeJob->setTextData(value);
        connect(writeJob, &QKeychain::Job::finished, this, [this, key, value, writeJob] {
            if (writeJob->error() == QKeychain::NoError)
                Q_EMIT ready(key, value, Backend::Keychain);
            else
                Q_EMIT keychainUnavailable(key, writeJob->errorString());
        });
        writeJob->start();
    });
    job->start();
}

void SecretStore::load(const QString &key)
{
    if (m_backend == Backend::File) {
        QString value;
        QString error;
        if (!readFile(key, &value, &error))
            Q_EMIT failed(key, error);
        else if (value.isEmpty())
            Q_EMIT absent(key);
        else
            Q_EMIT ready(key, value, Backend::File);
        return;
    }
    auto *job = new QKeychain::ReadPasswordJob(m_service, this);
    job->setAutoDelete(true);
    job->setKey(key);
    connect(job, &QKeychain::Job::finished, this, [this, key, job] {
        if (job->error() == QKeychain::NoError && !job->textData().isEmpty())
            Q_EMIT ready(key, job->textData(), Backend::Keychain);
        else if (job->error() == QKeychain::NoError || job->error() == QKeychain::EntryNotFound)
            Q_EMIT absent(key);
        else
            Q_EMIT keychainUnavailable(key, job->errorString());
    });
    job->start();
}

void SecretStore::remove(const QString &key)
{
    if (m_backend == Backend::File) {
        QFile file(fallbackPath(key));
        if (file.exists() && !file.remove()) {
            Q_EMIT failed(key,
                QStringLiteral("cannot remove %1: %2").arg(file.fileName(), file.errorString()));
            return;
        }
        Q_EMIT written(key);
        return;
    }
    auto *job = new QKeychain::DeletePasswordJob(m_service, this);
    job->setAutoDelete(true);
    job->setKey(key);
    connect(job, &QKeychain::Job::finished, this, [this, key, job] {
        if (job->error() == QKeychain::NoError || job->error() == QKeychain::EntryNotFound)
            Q_EMIT written(key);
        else
            Q_EMIT keychainUnavailable(key, job->errorString());
    });
    job->start();
}

void SecretStore::write(const QString &key, const QString &value)
{
    if (m_backend == Backend::File) {
        QString error;
        if (writeFile(key, value, &error))
            Q_EMIT written(key);
        else
            Q_EMIT failed(key, error);
        return;
    }
    auto *job = new QKeychain::WritePasswordJob(m_service, this);
    job->setAutoDelete(true);
    job->setKey(key);
    job->setTextData(value);
    connect(job, &QKeychain::Job::finished, this, [this, key, job] {
        if (job->error() == QKeychain::NoError)
            Q_EMIT written(key);
        else
            Q_EMIT keychainUnavailable(key, job->errorString());
    });
    job->start();
}

void SecretStore::loadFromFile(const QString &key)
{
    QString value;
    QString error;
    if (!readFile(key, &value, &error)) {
        Q_EMIT failed(key, error);
        return;
    }
    if (value.isEmpty()) {
        value = TokenIssuer::generateToken();
        if (!writeFile(key, value, &error)) {
            Q_EMIT failed(key, error);
            return;
        }
    }
    Q_EMIT ready(key, value, Backend::File);
}

bool SecretStore::readFile(const QString &key, QString *value, QString *error) const
{
    QFile file(fallbackPath(key));
    value->clear();
    if (!file.exists())
        return true;
    if (!file.open(QIODevice::ReadOnly)) {
        *error = QStringLiteral("cannot read %1: %2").arg(file.fileName(), file.errorString());
        return false;
    }
    *value = QString::fromUtf8(file.readAll()).trimmed();
    return true;
}

bool SecretStore::writeFile(const QString &key, const QString &value, QString *error)
{
    QSaveFile file(fallbackPath(key));
    // Created 0600 from the start: never readable by others, not even for a moment.
    if (!file.open(QIODevice::WriteOnly)
        || !file.setPermissions(QFileDevice::ReadOwner | QFileDevice::WriteOwner)) {
        *error = QStringLiteral("cannot write %1: %2").arg(file.fileName(), file.errorString());
        return false;
    }
    file.write(value.toUtf8() + '\n');
    if (!file.commit()) {
        *error = QStringLiteral("cannot write %1: %2").arg(file.fileName(), file.errorString());
        return false;
    }
    return true;
}

} // namespace canopy
