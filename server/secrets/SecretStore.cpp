#include "secrets/SecretStore.h"

#include "auth/TokenIssuer.h"
#include "util/PrivateFile.h"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <QDir>
#include <QFile>
#include <qt6keychain/keychain.h>

namespace canopy {
namespace {

// A secret file holds one token; anything much larger is not one of ours.
constexpr qint64 MaxSecretFileBytes = 4096;

QString systemError(int error)
{
    return QString::fromLocal8Bit(std::strerror(error));
}

// Opens a secret file for reading only if it can be trusted: never through a symbolic link
// (O_NOFOLLOW), a regular file, owned by the user running canopy, mode exactly 0600 (nobody else
// could have read or replaced it). -1 with an empty error when there is no file.
int openTrusted(const QString &path, QString *error)
{
    const QByteArray native = QFile::encodeName(path);
    // O_NONBLOCK: a FIFO planted here must not hang the host before fstat refuses it.
    const int fd = ::open(native.constData(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0) {
        const int code = errno;
        if (code == ENOENT)
            return -1;
        *error = code == ELOOP ? path + QStringLiteral(" is a symbolic link (never followed)")
                               : QStringLiteral("cannot read %1: %2").arg(path, systemError(code));
        return -1;
    }
    struct stat st
    {
    };
    if (::fstat(fd, &st) != 0)
        *error = QStringLiteral("cannot inspect %1: %2").arg(path, systemError(errno));
    else if (!S_ISREG(st.st_mode))
        *error = path + QStringLiteral(" is not a regular file");
    else if (st.st_uid != ::geteuid())
        *error = QStringLiteral("%1 belongs to uid %2, not to the user running canopy (uid %3)")
                     .arg(path, QString::number(st.st_uid), QString::number(::geteuid()));
    else if ((st.st_mode & 07777) != 0600)
        *error = QStringLiteral("%1 has mode %2; it must be 0600 (readable and writable by its "
                                "owner only)")
                     .arg(path, QString::number(st.st_mode & 07777, 8).rightJustified(4, u'0'));
    else if (st.st_size > MaxSecretFileBytes)
        *error = QStringLiteral("%1 is larger than %2 bytes")
                     .arg(path, QString::number(MaxSecretFileBytes));
    if (!error->isEmpty()) {
        ::close(fd);
        return -1;
    }
    return fd;
}

} // namespace

Expected<void, QString> SecretStore::checkFile(const QString &path)
{
    QString error;
    const int fd = openTrusted(path, &error);
    if (fd >= 0)
        ::close(fd);
    if (!error.isEmpty())
        return unexpected(error);
    return {};
}

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
        // unlink: a symbolic link there goes, what it points to stays.
        const QString path = fallbackPath(key);
        if (::unlink(QFile::encodeName(path).constData()) != 0 && errno != ENOENT) {
            Q_EMIT failed(
                key, QStringLiteral("cannot remove %1: %2").arg(path, systemError(errno)));
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
    value->clear();
    const QString path = fallbackPath(key);
    const int fd = openTrusted(path, error);
    if (fd < 0)
        return error->isEmpty(); // absent: no value
    QByteArray bytes;
    char buffer[512];
    for (;;) {
        const ssize_t n = ::read(fd, buffer, sizeof buffer);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            *error = QStringLiteral("cannot read %1: %2").arg(path, systemError(errno));
            ::close(fd);
            return false;
        }
        if (n == 0)
            break;
        bytes.append(buffer, n);
        if (bytes.size() > MaxSecretFileBytes) {
            *error = QStringLiteral("%1 is larger than %2 bytes")
                         .arg(path, QString::number(MaxSecretFileBytes));
            ::close(fd);
            return false;
        }
    }
    ::close(fd);
    *value = QString::fromUtf8(bytes).trimmed();
    return true;
}

bool SecretStore::writeFile(const QString &key, const QString &value, QString *error)
{
    // Renamed into place: rename replaces a symbolic link itself, never what it points to.
    const QByteArray bytes = value.toUtf8() + '\n';
    auto written = writePrivateFile(fallbackPath(key), bytes);
    if (!written)
        *error = written.error();
    return bool(written);
}

} // namespace canopy
