// Removes secret values from bytes on their way back to a guest (an upstream that echoes the
// request's headers must not hand the injected key to the guest). Each occurrence becomes the
// same number of '*', so a Content-Length stays true. Streaming: an occurrence split across
// two pieces is caught because the last (longest secret - 1) bytes are held back until more
// arrives or finish() is called.
// It sees bytes only: a compressed or otherwise encoded echo of a secret is not recognised.
#pragma once

#include <QByteArray>
#include <QByteArrayView>
#include <QList>

namespace vivarium {

class Redactor {
public:
    explicit Redactor(QList<QByteArray> secrets = {});

    bool isEmpty() const { return m_secrets.isEmpty(); }
    // The bytes that are safe to pass on now (possibly fewer than given).
    QByteArray feed(QByteArrayView data);
    // Everything still held back, redacted.
    QByteArray finish();
    // One-shot redaction of a complete value (a header value).
    QByteArray redact(QByteArray data) const;

private:
    QList<QByteArray> m_secrets; // longest first
    qsizetype m_hold = 0;        // longest secret - 1
    QByteArray m_pending;
};

} // namespace vivarium
