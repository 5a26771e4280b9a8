#pragma once

#include "admin/AdminService.h"
#include "admin/AdminTypes.h"

#include <optional>

#include <QPointer>
#include <QWidget>

class QLabel;
class QLineEdit;
class QPushButton;

namespace canopy::ui {

class FlushTimer;

// "Could this identity connect, read, write this document, and why?", answered in place by the
// host's own rules (AdminService::checkAccess), so the answer is the one a client would meet.
// Shown on the Members page and on a document's Access tab (the document filled in there). The
// answer follows the rules live: a change to members, keys, bans or the document's access asks
// again; editing a field clears it until the next Check.
class AccessChecker final : public QWidget
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(AccessChecker)

public:
    explicit AccessChecker(QWidget *parent = nullptr);

    void setAdmin(AdminService *admin);
    void setIdentity(const QString &identity);
    void setDocument(const QString &document);
    // The Access tab asks about its own document: the field shows it, read-only.
    void setDocumentFixed(bool fixed);

    bool check(); // what the Check button does; false with the reason shown
    const std::optional<AccessCheck> &answer() const { return m_answer; }
    QString answerText() const; // the ticks and the reason, as shown
    QString errorText() const; // why there is no answer (bad identity, no host), or empty

    QLineEdit *identityField() const { return m_identity; }
    QLineEdit *documentField() const { return m_document; }
    QPushButton *checkButton() const { return m_check; }

Q_SIGNALS:
    void answered();

private:
    void clearAnswer();
    void showAnswer();
    void recheck();

    QPointer<AdminService> m_admin;
    QLineEdit *m_identity;
    QLineEdit *m_document;
    QPushButton *m_check;
    QLabel *m_connect;
    QLabel *m_read;
    QLabel *m_write;
    QLabel *m_why;
    FlushTimer *m_recheck;
    std::optional<AccessCheck> m_answer;
    QString m_error;
};

} // namespace canopy::ui
