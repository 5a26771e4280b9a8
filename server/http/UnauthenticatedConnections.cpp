#include "http/UnauthenticatedConnections.h"

#include <QPointer>
#include <QTcpSocket>

namespace canopy {

namespace {
const QString kTicketName = QStringLiteral("canopy-unauthenticated");
} // namespace

// One counted connection: a child of its socket, so it is released when the socket goes away
// (closed, aborted, deleted with its owner) unless authenticated() took it first.
class UnauthenticatedTicket final : public QObject
{
public:
    UnauthenticatedTicket(
        UnauthenticatedConnections &counter, QHostAddress address, QTcpSocket *socket)
        : QObject(socket)
        , m_counter(&counter)
        , m_address(std::move(address))
    {
        setObjectName(kTicketName);
    }
    ~UnauthenticatedTicket() override
    {
        if (m_counter)
            m_counter->release(m_address);
    }

private:
    QPointer<UnauthenticatedConnections> m_counter; // may go first at shutdown
    QHostAddress m_address;
};

UnauthenticatedConnections::UnauthenticatedConnections(
    int maxTotal, int maxPerAddress, QObject *parent)
    : QObject(parent)
    , m_maxTotal(maxTotal)
    , m_maxPerAddress(maxPerAddress)
{
}

QHostAddress UnauthenticatedConnections::normalized(const QHostAddress &address)
{
    bool isV4 = false;
    const quint32 v4 = address.toIPv4Address(&isV4);
    return isV4 ? QHostAddress(v4) : address;
}

UnauthenticatedConnections::Refusal UnauthenticatedConnections::admit(QTcpSocket *socket)
{
    const QHostAddress address = normalized(socket->peerAddress());
    if (m_total >= m_maxTotal)
        return Refusal::Total;
    int &forAddress = m_perAddress[address];
    if (forAddress >= m_maxPerAddress) {
        if (forAddress == 0)
            m_perAddress.remove(address);
        return Refusal::PerAddress;
    }
    ++forAddress;
    ++m_total;
    new UnauthenticatedTicket(*this, address, socket);
    return Refusal::None;
}

void UnauthenticatedConnections::authenticated(QTcpSocket *socket)
{
    if (!socket)
        return;
    delete socket->findChild<QObject *>(kTicketName, Qt::FindDirectChildrenOnly);
}

int UnauthenticatedConnections::countFor(const QHostAddress &address) const
{
    return m_perAddress.value(normalized(address));
}

void UnauthenticatedConnections::release(const QHostAddress &address)
{
    const auto it = m_perAddress.find(address);
    if (it == m_perAddress.end())
        return;
    --m_total;
    // Addresses without a connection are forgotten, so a scan of many addresses leaves nothing.
    if (--it.value() <= 0)
        m_perAddress.erase(it);
}

} // namespace canopy
