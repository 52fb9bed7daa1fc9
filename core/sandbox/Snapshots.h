// Snapshots of a running or stopped sandbox, restoring one, and what a fork needs: the
// Sandbox members of the "Snapshots" block in Sandbox.h are implemented in Snapshots.cpp
// (the virtual machine side: save, copy, restore), SnapshotStore keeps the files and
// SaveImage rewrites a saved memory's domain XML. This header holds the pure pieces.
#pragma once

#include "Result.h"
#include "SnapshotStore.h"

#include <QByteArray>
#include <QString>

namespace vivarium {

// What names a sandbox in its libvirt domain XML.
struct DomainIdentity {
    QString id; // the sandbox id: domain name vivarium-<id>, metadata id
    QString uuid;
    QString dir; // the sandbox directory: its disk, channel socket and console log
};

// The domain XML of a saved memory (`xml`, from `from`) made over for the sandbox `to`: its
// name, UUID, metadata id and every path in the sandbox's directory. Refused when any of
// `from`'s names is still there afterwards or the UUID was not found.
Result<QByteArray> forkDomainXml(const QByteArray& xml, const DomainIdentity& from,
                                 const DomainIdentity& to);

} // namespace vivarium
