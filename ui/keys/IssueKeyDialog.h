#pragma once

#include "admin/AdminService.h"

#include <QDateTime>
#include <QDialog>
#include <QPointer>

class QCheckBox;
class QComboBox;
class QDateTimeEdit;
class QLabel;
class QLineEdit;
class QPushButton;

namespace canopy::ui {

// Issues an access key (name, scope, read or write, an optional expiry) and shows its value
// this once: only the key's SHA-256 is stored, so closing the dialog is the last chance to
// copy it.
class IssueKeyDialog final : public QDialog
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(IssueKeyDialog)

public:
    explicit IssueKeyDialog(AdminService *admin, QWidget *parent = nullptr);

    void setName(const QString &name);
    void setScope(const QString &scope);
    void setPermission(const QString &permission); // "read" or "write"
    void setExpiresAt(const QDateTime &expiresAt); // null: never

    bool issue(); // what the Issue button does; false with the reason shown
    QString keyValue() const; // empty until issued
    QString messageText() const;
    QPushButton *copyButton() const { return m_copy; }
    QPushButton *issueButton() const { return m_issue; }

Q_SIGNALS:
    void issued(const QString &name);

private:
    QPointer<AdminService> m_admin;
    QLineEdit *m_name;
    QLineEdit *m_scope;
    QComboBox *m_permission;
    QCheckBox *m_expires;
    QDateTimeEdit *m_expiresAt;
    QLineEdit *m_value;
    QLabel *m_message;
    QPushButton *m_issue;
    QPushButton *m_copy;
};

} // namespace canopy::ui
