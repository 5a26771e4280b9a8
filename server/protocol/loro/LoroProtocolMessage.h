#pragma once

#include <QByteArray>
#include <QList>
#include <QString>

namespace canopy {

// One loro-protocol v1 message (loro-protocol.md §1.6): every binary WebSocket frame holds one.
// The envelope is the CRDT magic (4 ASCII bytes), the room id and the type; the fields below
// that a type does not use stay empty.
struct LoroProtocolMessage
{
    enum class Type : quint8
    {
        JoinRequest = 0x00,
        JoinResponseOk = 0x01,
        JoinError = 0x02,
        DocUpdate = 0x03,
        FragmentHeader = 0x04,
        Fragment = 0x05,
        RoomError = 0x06,
        Leave = 0x07,
        Ack = 0x08,
    };

    // JoinError codes (§1.7).
    static constexpr quint8 JoinUnknown = 0x00;
    static constexpr quint8 JoinVersionUnknown = 0x01;
    static constexpr quint8 JoinAuthFailed = 0x02;
    static constexpr quint8 JoinAppError = 0x7f;
    // RoomError codes.
    static constexpr quint8 RoomRejoinSuggested = 0x01;
    static constexpr quint8 RoomEvicted = 0x02;
    // Ack statuses.
    enum class AckStatus : quint8
    {
        Ok = 0x00,
        Unknown = 0x01,
        PermissionDenied = 0x03,
        InvalidUpdate = 0x04,
        PayloadTooLarge = 0x05,
        RateLimited = 0x06,
        FragmentTimeout = 0x07,
        AppError = 0x7f,
    };

    static constexpr qsizetype MaxRoomIdBytes = 128;
    static constexpr qsizetype MaxMessageBytes = 256 * 1024; // a whole encoded message
    static constexpr qsizetype FragmentBytes = 240 * 1024; // payload per fragment, as the client
    static constexpr qsizetype BatchIdBytes = 8;

    QByteArray magic; // "%LOR", "%ELO", "%EPH", "%EPS", "%YJS", "%YAW", "%FLO", or other bytes
    QByteArray roomId; // UTF-8
    Type type = Type::JoinRequest;

    QByteArray auth; // JoinRequest
    QByteArray version; // JoinRequest, JoinResponseOk
    QString permission; // JoinResponseOk: "read" or "write"
    QByteArray extra; // JoinResponseOk
    quint8 code = 0; // JoinError, RoomError
    QString message; // JoinError, RoomError
    QByteArray receiverVersion; // JoinError version_unknown
    QString appCode; // JoinError app_error
    QList<QByteArray> updates; // DocUpdate
    QByteArray batchId; // DocUpdate, FragmentHeader, Fragment; Ack: the acknowledged batch
    quint32 fragmentCount = 0; // FragmentHeader
    quint32 totalSize = 0; // FragmentHeader
    quint32 index = 0; // Fragment
    QByteArray fragment; // Fragment
    AckStatus status = AckStatus::Ok; // Ack

    static QString typeName(Type type); // "joinRequest", "docUpdate", ... (stable: metrics)
    static QString statusName(AckStatus status); // "ok", "permission_denied", ... (as the client)
};

} // namespace canopy
