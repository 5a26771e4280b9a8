#pragma once

#include "admin/AdminService.h"

#include <QDialog>
#include <QPointer>

class QLabel;
class QLineEdit;
class QPushButton;

namespace canopy::ui {

// Issues a connection token for a DID the operator types and shows its value this once: only
// the token's hash is stored, so closing the dialog is the last chance to copy it.
class IssueTokenDialog final : public QDialog
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(IssueTokenDialog)

public:
    explicit IssueTokenDialog(AdminService *admin, QWidget *parent = nullptr);

    void setDid(const QString &did);
    bool issue(); // what the Issue button does; false with the reason shown
    QString token() const; // empty until issued

private:
    QPointer<AdminService> m_admin;
    QLineEdit *m_did;
    QLineEdit *m_token;
    QLabel *m_message;
    QPushButton *m_issue;
    QPushButton *m_copy;
};

} // namespace canopy::ui
