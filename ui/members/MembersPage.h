#pragma once

#include "admin/AdminService.h"

#include <QPointer>
#include <QWidget>

class QLabel;
class QLineEdit;
class QPushButton;
class QSortFilterProxyModel;
class QTableView;

namespace canopy::ui {

class AccessChecker;
class MembersModel;

// The member list: in members mode (--access members) only these DIDs obtain tokens and open
// sessions; in open mode the list waits for the switch. Add a DID with a note, remove one
// (its live sessions close with 4403), and ask "can X use Y, and why?" below.
class MembersPage final : public QWidget
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(MembersPage)

public:
    explicit MembersPage(MembersModel *members, QWidget *parent = nullptr);

    void setAdmin(AdminService *admin);
    QTableView *membersView() const { return m_view; }
    QLineEdit *didField() const { return m_did; }
    QLineEdit *noteField() const { return m_note; }
    AccessChecker *checker() const { return m_checker; }
    QString modeText() const;
    QString messageText() const;

    // The actions, public so tests can drive them without modal dialogs.
    bool addMember(); // from the fields; false with the host's reason shown
    bool removeSelected(); // no confirmation

Q_SIGNALS:
    void statusMessage(const QString &message);

private:
    QString selectedDid() const;
    void updateButtons();
    void updateMode();
    void askRemove();
    void showMessage(const QString &message, bool error);

    QPointer<AdminService> m_admin;
    MembersModel *m_members;
    QSortFilterProxyModel *m_proxy;
    QLabel *m_mode;
    QLineEdit *m_did;
    QLineEdit *m_note;
    QPushButton *m_add;
    QLabel *m_message;
    QTableView *m_view;
    QPushButton *m_remove;
    AccessChecker *m_checker;
};

} // namespace canopy::ui
