#pragma once

#include "util/Expected.h"

#include <QObject>
#include <QString>

namespace canopy {

// Secrets (the admin token, a dev token set from the window) in the OS keychain through
// QtKeychain (Secret Service on Linux), with a file readable only by the user as the fallback
// where no keychain answers. Results arrive as signals: a keychain job is asynchronous.
class SecretStore final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(SecretStore)

public:
    enum class Backend
    {
        Keychain,
        File
    };

    SecretStore(QString service, QString fallbackDir, QObject *parent = nullptr);

    // Reads `key`; when absent, stores a fresh random value (32 bytes, base32) and returns it.
    // Emits ready() or, when the keychain cannot be used, keychainUnavailable() — after which
    // the caller chooses: useFileFallback() then loadOrCreate() again.
    void loadOrCreate(const QString &key);
    // Reads `key` without creating it: ready(), absent(), or keychainUnavailable().
    void load(const QString &key);
    void write(const QString &key, const QString &value);
    // Deletes `key` (absent already counts as done): written(), or keychainUnavailable().
    void remove(const QString &key);
    void useFileFallback() { m_backend = Backend::File; }
    Backend backend() const { return m_backend; }
    QString fallbackPath(const QString &key) const;
    // Whether a fallback file may be trusted: absent, or a regular file (not a symbolic link)
    // owned by the user running canopy with mode 0600. The error names the file and the problem.
    static Expected<void, QString> checkFile(const QString &path);

Q_SIGNALS:
    void ready(const QString &key, const QString &value, canopy::SecretStore::Backend backend);
    void written(const QString &key);
    void absent(const QString &key);
    void keychainUnavailable(const QString &key, const QString &reason);
    void failed(const QString &key, const QString &reason);

private:
    void loadFromFile(const QString &key);
    // False on a read error; an absent or empty file gives an empty value.
    bool readFile(const QString &key, QString *value, QString *error) const;
    bool writeFile(const QString &key, const QString &value, QString *error);

    QString m_service;
    QString m_fallbackDir;
    Backend m_backend = Backend::Keychain;
};

} // namespace canopy
