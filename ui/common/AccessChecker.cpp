#include "common/AccessChecker.h"

#include "common/FlushTimer.h"

#include <QGridLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>

namespace canopy::ui {
namespace {

void showTick(QLabel *label, const QString &what, bool yes)
{
    // The mark carries the answer; the colour only repeats it.
    label->setText((yes ? QStringLiteral("✓ ") : QStringLiteral("✗ ")) + what);
    label->setStyleSheet(yes ? QStringLiteral("color: #1e7b34; font-weight: bold")
                             : QStringLiteral("color: #b02020; font-weight: bold"));
}

} // namespace

AccessChecker::AccessChecker(QWidget *parent)
    : QWidget(parent)
    , m_identity(new QLineEdit(this))
    , m_document(new QLineEdit(this))
    , m_check(new QPushButton(tr("Check"), this))
    , m_connect(new QLabel(this))
    , m_read(new QLabel(this))
    , m_write(new QLabel(this))
    , m_why(new QLabel(this))
    , m_recheck(new FlushTimer([this] { recheck(); }, this))
{
    m_identity->setPlaceholderText(tr("did:plc:… or key:<name>"));
    m_identity->setClearButtonEnabled(true);
    m_document->setPlaceholderText(tr("a document id: leaf:… or a room id"));
    m_document->setClearButtonEnabled(true);
    m_check->setToolTip(tr("Ask the host's own rules, as a client connecting now would meet them"));
    m_why->setWordWrap(true);
    m_why->setTextInteractionFlags(Qt::TextSelectableByMouse);

    connect(m_check, &QPushButton::clicked, this, &AccessChecker::check);
    connect(m_identity, &QLineEdit::returnPressed, this, &AccessChecker::check);
    connect(m_document, &QLineEdit::returnPressed, this, &AccessChecker::check);
    // An answer belongs to the question it was given for.
    connect(m_identity, &QLineEdit::textEdited, this, &AccessChecker::clearAnswer);
    connect(m_document, &QLineEdit::textEdited, this, &AccessChecker::clearAnswer);

    auto *ticks = new QHBoxLayout;
    ticks->addWidget(m_connect);
    ticks->addWidget(m_read);
    ticks->addWidget(m_write);
    ticks->addStretch(1);

    auto *grid = new QGridLayout(this);
    grid->setContentsMargins(0, 0, 0, 0);
    grid->addWidget(new QLabel(tr("Can"), this), 0, 0);
    grid->addWidget(m_identity, 0, 1);
    grid->addWidget(new QLabel(tr("use"), this), 0, 2);
    grid->addWidget(m_document, 0, 3);
    grid->addWidget(m_check, 0, 4);
    grid->addLayout(ticks, 1, 1, 1, 4);
    grid->addWidget(m_why, 2, 1, 1, 4);
    grid->setColumnStretch(1, 2);
    grid->setColumnStretch(3, 3);
    clearAnswer();
}

void AccessChecker::setAdmin(AdminService *admin)
{
    if (m_admin)
        disconnect(m_admin, nullptr, this, nullptr);
    m_recheck->cancel();
    m_admin = admin;
    clearAnswer();
    m_check->setEnabled(admin != nullptr);
    if (!admin)
        return;
    // Whatever may change an answer asks again (batched): the operator sees it follow.
    connect(admin, &AdminService::membersChanged, m_recheck, &FlushTimer::schedule);
    connect(admin, &AdminService::accessKeysChanged, m_recheck, &FlushTimer::schedule);
    connect(admin, &AdminService::bansChanged, m_recheck, &FlushTimer::schedule);
    connect(admin, &AdminService::documentAccessChanged, this, [this](const QString &document) {
        if (document.isEmpty() || document == m_document->text().trimmed())
            m_recheck->schedule();
    });
}

void AccessChecker::setIdentity(const QString &identity)
{
    if (identity == m_identity->text())
        return;
    m_identity->setText(identity);
    clearAnswer();
}

void AccessChecker::setDocument(const QString &document)
{
    if (document == m_document->text())
        return;
    m_document->setText(document);
    clearAnswer();
}

void AccessChecker::setDocumentFixed(bool fixed)
{
    m_document->setReadOnly(fixed);
    m_document->setClearButtonEnabled(!fixed);
}

bool AccessChecker::check()
{
    m_answer.reset();
    m_error.clear();
    const QString identity = m_identity->text().trimmed();
    const QString document = m_document->text().trimmed();
    if (!m_admin)
        m_error = tr("The host is not running.");
    else if (identity.isEmpty())
        m_error = tr("Enter an identity: a DID (did:method:identifier) or key:<name>.");
    else if (document.isEmpty())
        m_error = tr("Enter a document id.");
    if (m_error.isEmpty()) {
        auto answer = m_admin->checkAccess(identity, document);
        if (answer)
            m_answer = *answer;
        else
            m_error = answer.error().message;
    }
    showAnswer();
    Q_EMIT answered();
    return m_answer.has_value();
}

void AccessChecker::recheck()
{
    // Only an answer on screen is refreshed; an error or an empty form waits for Check.
    if (m_answer)
        check();
}

void AccessChecker::clearAnswer()
{
    m_recheck->cancel();
    m_answer.reset();
    m_error.clear();
    showAnswer();
}

void AccessChecker::showAnswer()
{
    const bool shown = m_answer.has_value();
    m_connect->setVisible(shown);
    m_read->setVisible(shown);
    m_write->setVisible(shown);
    if (shown) {
        showTick(m_connect, tr("connect"), m_answer->connect);
        showTick(m_read, tr("read"), m_answer->read);
        showTick(m_write, tr("write"), m_answer->write);
        m_why->setStyleSheet(QString());
        m_why->setForegroundRole(QPalette::WindowText);
        m_why->setText(tr("Why: %1").arg(m_answer->why));
    } else if (!m_error.isEmpty()) {
        m_why->setStyleSheet(QStringLiteral("color: #b02020"));
        m_why->setForegroundRole(QPalette::WindowText);
        m_why->setText(m_error);
    } else {
        m_why->setStyleSheet(QString());
        m_why->setForegroundRole(QPalette::PlaceholderText);
        m_why->setText(tr("Enter an identity and a document, then Check: the answer names the "
                          "rule that decided."));
    }
}

QString AccessChecker::answerText() const
{
    if (!m_answer)
        return m_error;
    return m_connect->text() + u' ' + m_read->text() + u' ' + m_write->text() + u' '
        + m_why->text();
}

QString AccessChecker::errorText() const
{
    return m_error;
}

} // namespace canopy::ui
