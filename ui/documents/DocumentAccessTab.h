#pragma once

#include "admin/AdminService.h"
#include "admin/AdminTypes.h"

#include <QPointer>
#include <QWidget>

class QComboBox;
class QLabel;
class QLineEdit;
class QPushButton;
class QTableView;

namespace canopy::ui {

class AccessChecker;
class GrantsModel;

// The selected document's rights: its owner, the default access for everyone else and the
// grants, edited here and sent as one whole (AdminService::setDocumentAccess) by Apply; live
// sessions follow at once. Rights are per document id, shared by every kind of that id. Below,
// "can X use this document, and why?".
class DocumentAccessTab final : public QWidget
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(DocumentAccessTab)

public:
    explicit DocumentAccessTab(QWidget *parent = nullptr);

    void setAdmin(AdminService *admin);
    void setDocument(const QString &document); // empty: none selected
    QString document() const { return m_document; }

    // The form, for tests.
    QLineEdit *ownerField() const { return m_owner; }
    QComboBox *defaultBox() const { return m_default; }
    GrantsModel *grantsModel() const { return m_grants; }
    QTableView *grantsView() const { return m_grantsView; }
    QLineEdit *grantIdentityField() const { return m_grantIdentity; }
    QComboBox *grantPermissionBox() const { return m_grantPermission; }
    QPushButton *applyButton() const { return m_apply; }
    AccessChecker *checker() const { return m_checker; }
    QString messageText() const;

    void setDefaultAccess(const QString &permission); // "none", "read", "write"
    DocumentAccessInfo edited() const; // what Apply would send
    bool isDirty() const;

    // The actions, public so tests can drive them.
    bool addGrant(); // from the identity field and permission box
    bool removeSelectedGrant();
    bool apply();
    void reload(); // the host's record; drops unapplied edits

Q_SIGNALS:
    void statusMessage(const QString &message);

private:
    void fetch(); // the host's record into the form; messages stay
    void load(const DocumentAccessInfo &access);
    void updateButtons();
    void showMessage(const QString &message, bool error);

    QPointer<AdminService> m_admin;
    QString m_document;
    DocumentAccessInfo m_loaded;
    QLabel *m_title;
    QLineEdit *m_owner;
    QComboBox *m_default;
    GrantsModel *m_grants;
    QTableView *m_grantsView;
    QLineEdit *m_grantIdentity;
    QComboBox *m_grantPermission;
    QPushButton *m_addGrant;
    QPushButton *m_removeGrant;
    QPushButton *m_apply;
    QPushButton *m_revert;
    QLabel *m_message;
    AccessChecker *m_checker;
    bool m_applying = false;
};

} // namespace canopy::ui
