#include "Redactor.h"

#include <algorithm>

namespace vivarium {

Redactor::Redactor(QList<QByteArray> secrets) {
    secrets.removeIf([](const QByteArray& s) { return s.isEmpty(); });
    std::sort(secrets.begin(), secrets.end(),
              [](const QByteArray& a, const QByteArray& b) { return a.size() > b.size(); });
    m_secrets = std::move(secrets);
    m_hold = m_secrets.isEmpty() ? 0 : m_secrets.front().size() - 1;
}

QByteArray Redactor::redact(QByteArray data) const {
    // Longest first, so a secret containing a shorter one is masked whole; the mask ('*')
    // cannot start another match unless a secret has '*' in it, which changes nothing.
    for (const QByteArray& secret : m_secrets) {
        qsizetype at = 0;
        while ((at = data.indexOf(secret, at)) >= 0) {
            std::fill(data.begin() + at, data.begin() + at + secret.size(), '*');
            at += secret.size();
        }
    }
    return data;
}

QByteArray Redactor::feed(QByteArrayView data) {
    if (m_secrets.isEmpty())
        return data.toByteArray();
    m_pending.append(data);
    m_pending = redact(std::move(m_pending));
    // An occurrence that starts in the part handed out ends within the buffer, so it has been
    // masked; one that starts in the held tail is looked for again with the next piece.
    const qsizetype ready = m_pending.size() - m_hold;
    if (ready <= 0)
        return {};
    QByteArray out = m_pending.first(ready);
    m_pending.remove(0, ready);
    return out;
}

QByteArray Redactor::finish() {
    QByteArray out = redact(std::move(m_pending));
    m_pending.clear();
    return out;
}

} // namespace vivarium
