// Secrets for routes (API keys, tokens): values the host adds to a sandbox's outgoing requests
// and that never enter a VM. Stored in the desktop keyring through QtKeychain when one answers
// (a write, read and delete of a probe entry, asynchronously, with a short timeout), else in a
// file readable by the user only: <config dir>/secrets.json (0600, in the 0700 config dir),
// which is refused, never read or rewritten, when its mode or owner is wrong.
// An index beside it (secrets-index.json: names, update times and where each value lives,
// never a value) answers list() with the keyring too, and lets a value stored in the keyring
// be found again when the service runs without one.
// Every keyring call is asynchronous (QtKeychain jobs finish on this thread's event loop), so
// the API takes callbacks; nothing here spins a nested event loop. A value is never logged and
// never part of an error message.
#pragma once

#include "Result.h"

#include <QDateTime>
#include <QJsonObject>
#include <QList>
#include <QObject>
#include <QPointer>

#include <functional>

namespace QKeychain {
class Job;
}

namespace vivarium {

struct SecretInfo {
    QString name;
    QDateTime updated;
    QString backend; // "keyring" or "file": where the value lives
    QJsonObject toJson() const;
};

class SecretStore : public QObject {
    Q_OBJECT
public:
    enum class Backend { Keyring, File };
    enum class Preference { Auto, Keyring, File };

    static constexpr int kMaxValueBytes = 64 * 1024;
    static constexpr int kMaxSecrets = 1000;
    static constexpr int kDefaultProbeTimeoutMs = 3000;
    static constexpr int kDefaultJobTimeoutMs = 30000; // an unlock prompt may need the user

    struct Options {
        QString configDir;                  // where secrets.json and secrets-index.json live
        Preference preference = Preference::Auto;
        QString keyringService;             // the keyring entries' service attribute
        int probeTimeoutMs = kDefaultProbeTimeoutMs;
        int jobTimeoutMs = kDefaultJobTimeoutMs;
        // The config dir from Paths; VIVARIUM_SECRETS=auto|keyring|file picks the backend;
        // the keyring service is "vivarium" for ~/.config/vivarium and names the config dir
        // otherwise (so a test's or a second config's entries never mix with the user's).
        static Options fromEnvironment();
    };

    explicit SecretStore(Options options, QObject* parent = nullptr);
    ~SecretStore() override;

    // [A-Z_][A-Z0-9_]{0,63}: the name is also what a guest's placeholder variable is called.
    static bool isValidName(const QString& name);
    static QString nameRule();

    // Chooses the backend: probes the keyring once (Auto, Keyring) without blocking. Requests
    // made before the probe ends wait for it. Called by the first request when not called.
    void open();
    bool isReady() const { return m_ready; }
    Backend backend() const { return m_backend; }
    // "keyring (Secret Service, service 'vivarium')" or "file ~/.config/vivarium/secrets.json".
    QString backendName() const;
    // Why the keyring is not used (empty when it is, or when the file was asked for).
    QString backendNote() const { return m_note; }
    QString filePath() const;
    QString indexPath() const;

    // Stores `value` (≤ 64 KiB of UTF-8, no NUL) under `name`, replacing any earlier value.
    void set(const QString& name, const QString& value, std::function<void(Result<SecretInfo>)> done,
             QObject* context);
    // The value, for whoever injects it (the proxy); never for an API client.
    void value(const QString& name, std::function<void(Result<QString>)> done, QObject* context);
    void remove(const QString& name, std::function<void(Status)> done, QObject* context);
    // Names, update times and backends from the index (never values), sorted by name.
    Result<QList<SecretInfo>> list() const;
    bool contains(const QString& name) const;

signals:
    void ready();
    void secretChanged(const vivarium::SecretInfo& info); // set
    void secretRemoved(const QString& name);

public:
    // Runs `work` once the backend is chosen and the requests made before it are done (at once
    // when there are none), unless `context` is gone by then.
    void whenReady(QObject* context, std::function<void()> work);

private:
    void startProbe();
    void finishProbe(bool ok, const QString& why);
    // Runs a QtKeychain job with a timeout; `finished` gets the job (or null on timeout).
    void runJob(QKeychain::Job* job, int timeoutMs, std::function<void(QKeychain::Job*)> finished);

    Result<QJsonObject> readIndex() const;
    Status writeIndex(const QJsonObject& index) const;
    Result<QJsonObject> readFile() const;
    Status writeFile(const QJsonObject& secrets) const;
    Result<SecretInfo> recordSet(const QString& name, Backend where);
    Status recordRemoved(const QString& name);

    Options m_options;
    Backend m_backend = Backend::File;
    bool m_ready = false;
    bool m_probing = false;
    QString m_note;
    // Requests run one at a time, in order; each calls `finished` once when it is done.
    using Operation = std::function<void(const std::function<void()>& finished)>;
    void enqueue(QObject* context, Operation operation);
    void pump();
    struct Queued {
        QPointer<QObject> context;
        bool guarded = false; // a context was given (null: run whatever happens)
        Operation operation;
    };
    QList<Queued> m_queue;
    bool m_busy = false;
};

} // namespace vivarium
