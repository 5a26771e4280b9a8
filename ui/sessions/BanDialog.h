#pragma once

#include <QDateTime>
#include <QDialog>

class QComboBox;
class QLineEdit;

namespace canopy::ui {

// Asks for a ban's reason and duration. The DID comes from the selected session.
class BanDialog final : public QDialog
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(BanDialog)

public:
    explicit BanDialog(const QString &did, QWidget *parent = nullptr);

    QString reason() const;
    // Null for a ban until lifted.
    QDateTime until(const QDateTime &now = QDateTime::currentDateTimeUtc()) const;

private:
    QLineEdit *m_reason;
    QComboBox *m_duration;
};

} // namespace canopy::ui
