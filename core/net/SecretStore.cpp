#include "SecretStore.h"

#include "JsonFileDir.h"
#include "Paths.h"

#include <qt6keychain/keychain.h>

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonDocument>
#include <QLoggingCategory>
#include <QRandomGenerator>
#include <QRegularExpression>
#include <QSaveFile>
#include <QTimer>

#include <sys/stat.h>
#include <unistd.h>

Q_LOGGING_CATEGORY(lcSecrets, "vivarium.secrets")

namespace vivarium {

namespace {

constexpr qint64 kMaxFileBytes = 80LL * 1024 * 1024; // kMaxSecrets values of 64 KiB, in JSON
const QString kProbeKey = QStringLiteral("vivarium-keyring-probe");

QString backendKey(SecretStore::Backend b) { return b == SecretStore::Backend::Keyring ? "keyring" : "file"; }

QString modeText(mode_t mode) { return QString("0%1").arg(mode & 07777, 3, 8, QChar('0')); }

// A file that holds secrets must be the user's own regular file, readable by nobody else.
// Absent is fine (nothing stored yet).
Status checkPrivateFile(const QString& path) {
    struct stat st {};
    if (::lstat(QFile::encodeName(path).constData(), &st) != 0)
        return errno == ENOENT ? Status() : makeError("io_error", "Cannot read " + displayPath(path), qt_error_string(errno));
    const QString shown = displayPath(path);
    if (S_ISLNK(st.st_mode))
        return makeError("unsafe_secrets_file",
                         QString("Refusing to use %1: it is a symbolic link; a secrets file must be a regular "
                                 "file. Remove the link and set the secrets again.").arg(shown));
    if (!S_ISREG(st.st_mode))
        return makeError("unsafe_secrets_file", QString("Refusing to use %1: it is not a regular file.").arg(shown));
    if (st.st_uid != ::geteuid())
        return makeError("unsafe_secrets_file",
                         QString("Refusing to use %1: it belongs to uid %2, not to you (uid %3). Remove it, or "
                                 "make it yours: chown %3 %1").arg(shown).arg(st.st_uid).arg(::geteuid()));
    if (st.st_mode & 077)
        return makeError("unsafe_secrets_file",
                         QString("Refusing to use %1: its mode is %2, so others may read it. Anyone who could "
                                 "may have the secrets in it: change them where they were issued, then run "
                                 "chmod 600 %1").arg(shown, modeText(st.st_mode)));
    return {};
}

Result<QJsonObject> readPrivateJson(const QString& path, const QString& what) {
    if (auto s = checkPrivateFile(path); !s)
        return s.error();
    QFile f(path);
    if (!f.exists())
        return QJsonObject{{"version", 1}, {"secrets", QJsonObject()}};
    if (f.size() > kMaxFileBytes)
        return makeError("io_error", QString("%1 is larger than %2 MiB; it is not a file Vivarium wrote.")
                                         .arg(displayPath(path)).arg(kMaxFileBytes >> 20));
    if (!f.open(QIODevice::ReadOnly))
        return makeError("io_error", "Cannot read " + displayPath(path), f.errorString());
    QJsonParseError pe;
    const QJsonDocument doc = QJsonDocument::fromJson(f.readAll(), &pe);
    // The parser's message could quote the text around the error: a value. Only the offset.
    if (pe.error != QJsonParseError::NoError || !doc.isObject() || !doc.object().value("secrets").isObject())
        return makeError("io_error", QString("%1 (%2) is damaged: it is not the JSON Vivarium writes (at byte %3). "
                                             "Move it away and set the secrets again.")
                                         .arg(displayPath(path), what).arg(pe.offset));
    return doc.object();
}

Status writePrivateJson(const QString& path, const QJsonObject& o) {
    if (!Paths::ensureDir(QFileInfo(path).path()))
        return makeError("io_error", "Cannot create " + displayPath(QFileInfo(path).path()));
    if (auto s = checkPrivateFile(path); !s)
        return s;
    QSaveFile f(path);
    if (!f.open(QIODevice::WriteOnly))
        return makeError("io_error", "Cannot write " + displayPath(path), f.errorString());
    // Before a byte is written: the temporary file is the user's alone from the start.
    if (::fchmod(f.handle(), S_IRUSR | S_IWUSR) != 0) {
        f.cancelWriting();
        return makeError("io_error", "Cannot make " + displayPath(path) + " private", qt_error_string(errno));
    }
    f.write(QJsonDocument(o).toJson(QJsonDocument::Indented));
    if (!f.commit())
        return makeError("io_error", "Cannot write " + displayPath(path), f.errorString());
    return {};
}

Error badName(const QString& name) {
    return makeError("bad_request", QString("'%1' is not a secret name: use %2.")
                                        .arg(name.left(70), SecretStore::nameRule()));
}

} // namespace

QJsonObject SecretInfo::toJson() const {
    return {{"name", name}, {"updated", updated.toUTC().toString(Qt::ISODate)}, {"backend", backend}};
}

SecretStore::Options SecretStore::Options::fromEnvironment() {
    Options o;
    o.configDir = Paths::configDir();
    const QString pref = QString::fromLocal8Bit(qgetenv("VIVARIUM_SECRETS")).trimmed().toLower();
    if (pref == "file")
        o.preference = Preference::File;
    else if (pref == "keyring")
        o.preference = Preference::Keyring;
    else if (!pref.isEmpty() && pref != "auto")
        qCWarning(lcSecrets) << "VIVARIUM_SECRETS must be auto, keyring or file; using auto";
    const QString standard = QDir::homePath() + "/.config/vivarium";
    o.keyringService = QDir::cleanPath(o.configDir) == QDir::cleanPath(standard)
                           ? QStringLiteral("vivarium")
                           : QStringLiteral("vivarium ") + QDir::cleanPath(o.configDir);
    return o;
}

SecretStore::SecretStore(Options options, QObject* parent) : QObject(parent), m_options(std::move(options)) {
    if (m_options.keyringService.isEmpty())
        m_options.keyringService = QStringLiteral("vivarium");
}

SecretStore::~SecretStore() = default;

bool SecretStore::isValidName(const QString& name) {
    static const QRegularExpression valid("^[A-Z_][A-Z0-9_]{0,63}$");
    return valid.match(name).hasMatch();
}

QString SecretStore::nameRule() {
    return QStringLiteral("1-64 upper-case letters, digits and '_', not starting with a digit (e.g. OPENAI_API_KEY)");
}

QString SecretStore::filePath() const { return m_options.configDir + "/secrets.json"; }
QString SecretStore::indexPath() const { return m_options.configDir + "/secrets-index.json"; }

QString SecretStore::backendName() const {
    if (m_backend == Backend::File)
        return "file " + displayPath(filePath());
    const QString desktop = QString::fromLocal8Bit(qgetenv("XDG_CURRENT_DESKTOP"));
    return QString("keyring (%1, service '%2')")
        .arg(desktop.contains("KDE", Qt::CaseInsensitive) ? "KWallet" : "Secret Service", m_options.keyringService);
}

void SecretStore::open() {
    if (m_ready || m_probing)
        return;
    if (m_options.preference == Preference::File) {
        finishProbe(false, {});
        return;
    }
    startProbe();
}

void SecretStore::startProbe() {
    m_probing = true;
    // Write, read back and delete a random value: a keyring that is locked, absent or
    // prompting someone who is not there fails or times out, and the file is used instead.
    const QString nonce = QString::number(QRandomGenerator::system()->generate64(), 16);
    auto* write = new QKeychain::WritePasswordJob(m_options.keyringService);
    write->setKey(kProbeKey);
    write->setTextData(nonce);
    runJob(write, m_options.probeTimeoutMs, [this, nonce](QKeychain::Job* w) {
        if (!w || w->error() != QKeychain::NoError)
            return finishProbe(false, w ? w->errorString() : QString("no answer in %1 ms").arg(m_options.probeTimeoutMs));
        auto* read = new QKeychain::ReadPasswordJob(m_options.keyringService);
        read->setKey(kProbeKey);
        runJob(read, m_options.probeTimeoutMs, [this, nonce](QKeychain::Job* r) {
            if (!r || r->error() != QKeychain::NoError)
                return finishProbe(false, r ? r->errorString() : QString("no answer in %1 ms").arg(m_options.probeTimeoutMs));
            if (static_cast<QKeychain::ReadPasswordJob*>(r)->textData() != nonce)
                return finishProbe(false, "it returned a different value than the one just written");
            auto* del = new QKeychain::DeletePasswordJob(m_options.keyringService);
            del->setKey(kProbeKey);
            runJob(del, m_options.probeTimeoutMs, [this](QKeychain::Job* d) {
                if (!d || d->error() != QKeychain::NoError)
                    return finishProbe(false, d ? d->errorString() : QString("no answer in %1 ms").arg(m_options.probeTimeoutMs));
                finishProbe(true, {});
            });
        });
    });
}

void SecretStore::finishProbe(bool ok, const QString& why) {
    m_probing = false;
    m_ready = true;
    m_backend = ok ? Backend::Keyring : Backend::File;
    if (!ok && !why.isEmpty())
        m_note = "the desktop keyring is not reachable (" + why + ")";
    if (ok)
        qCInfo(lcSecrets).noquote() << "secrets go to the" << backendName();
    else
        qCInfo(lcSecrets).noquote() << "secrets go to the" << backendName()
                                    << (m_note.isEmpty() ? QString() : ": " + m_note);
    emit ready();
    pump();
}

void SecretStore::whenReady(QObject* context, std::function<void()> work) {
    enqueue(context, [work = std::move(work)](const std::function<void()>& finished) {
        work();
        finished();
    });
}

void SecretStore::enqueue(QObject* context, Operation operation) {
    m_queue.append({context, context != nullptr, std::move(operation)});
    open();
    pump();
}

void SecretStore::pump() {
    // One operation at a time, in order: a value() asked for after a set() sees that set, even
    // when the keyring answers the set later.
    while (m_ready && !m_busy && !m_queue.isEmpty()) {
        const Queued next = m_queue.takeFirst();
        if (next.guarded && !next.context)
            continue; // whoever asked is gone
        m_busy = true;
        next.operation([this] {
            m_busy = false;
            QMetaObject::invokeMethod(this, &SecretStore::pump, Qt::QueuedConnection);
        });
    }
}

void SecretStore::runJob(QKeychain::Job* job, int timeoutMs, std::function<void(QKeychain::Job*)> finished) {
    // One answer: the job's or the timeout's, whichever comes first. A job that never ends is
    // left to itself (it deletes itself if it ever does): deleting one mid-call is unsafe.
    auto pending = std::make_shared<std::function<void(QKeychain::Job*)>>(std::move(finished));
    job->setAutoDelete(true);
    job->setInsecureFallback(false); // never a plain-text QSettings file behind our back
    connect(job, &QKeychain::Job::finished, this, [pending](QKeychain::Job* j) {
        if (auto f = std::exchange(*pending, nullptr))
            f(j);
    });
    QTimer::singleShot(timeoutMs, this, [pending] {
        if (auto f = std::exchange(*pending, nullptr))
            f(nullptr);
    });
    job->start();
}

Result<QJsonObject> SecretStore::readIndex() const { return readPrivateJson(indexPath(), "the list of secrets"); }
Status SecretStore::writeIndex(const QJsonObject& index) const { return writePrivateJson(indexPath(), index); }
Result<QJsonObject> SecretStore::readFile() const { return readPrivateJson(filePath(), "the secrets"); }
Status SecretStore::writeFile(const QJsonObject& secrets) const { return writePrivateJson(filePath(), secrets); }

Result<QList<SecretInfo>> SecretStore::list() const {
    auto index = readIndex();
    if (!index)
        return index.error();
    QList<SecretInfo> out;
    const QJsonObject secrets = index->value("secrets").toObject();
    for (auto it = secrets.begin(); it != secrets.end(); ++it) {
        if (!isValidName(it.key()))
            continue;
        const QJsonObject e = it.value().toObject();
        out.append({it.key(), QDateTime::fromString(e.value("updated").toString(), Qt::ISODate),
                    e.value("backend").toString("file")});
    }
    return out; // QJsonObject keys are sorted
}

bool SecretStore::contains(const QString& name) const {
    auto index = readIndex();
    return index && index->value("secrets").toObject().contains(name);
}

Result<SecretInfo> SecretStore::recordSet(const QString& name, Backend where) {
    auto index = readIndex();
    if (!index)
        return index.error();
    QJsonObject secrets = index->value("secrets").toObject();
    SecretInfo info{name, QDateTime::currentDateTimeUtc(), backendKey(where)};
    secrets[name] = QJsonObject{{"updated", info.updated.toString(Qt::ISODate)}, {"backend", info.backend}};
    QJsonObject next = *index;
    next["version"] = 1;
    next["secrets"] = secrets;
    if (auto s = writeIndex(next); !s)
        return s.error();
    return info;
}

Status SecretStore::recordRemoved(const QString& name) {
    auto index = readIndex();
    if (!index)
        return index.error();
    QJsonObject secrets = index->value("secrets").toObject();
    secrets.remove(name);
    QJsonObject next = *index;
    next["secrets"] = secrets;
    return writeIndex(next);
}

void SecretStore::set(const QString& name, const QString& value, std::function<void(Result<SecretInfo>)> reply,
                      QObject* context) {
    auto done = [this, reply](Result<SecretInfo> r) {
        if (r)
            emit secretChanged(r.value());
        reply(std::move(r));
    };
    if (!isValidName(name))
        return done(badName(name));
    const QByteArray utf8 = value.toUtf8();
    if (utf8.isEmpty())
        return done(makeError("bad_request", QString("The value of secret '%1' is empty.").arg(name)));
    if (utf8.size() > kMaxValueBytes)
        return done(makeError("bad_request", QString("The value of secret '%1' is %2 bytes; the limit is %3 KiB.")
                                                 .arg(name).arg(utf8.size()).arg(kMaxValueBytes / 1024)));
    if (utf8.contains('\0'))
        return done(makeError("bad_request", QString("The value of secret '%1' contains a NUL character.").arg(name)));
    enqueue(context, [this, name, value, reply = std::move(done), context](const std::function<void()>& finished) {
        auto done = [reply, finished](Result<SecretInfo> r) {
            reply(std::move(r));
            finished();
        };
        // Checked before the value goes anywhere: a file we must refuse stays untouched.
        auto index = readIndex();
        if (!index)
            return done(index.error());
        const QJsonObject known = index->value("secrets").toObject();
        if (!known.contains(name) && known.size() >= kMaxSecrets)
            return done(makeError("too_many", QString("There are already %1 secrets; remove some first.").arg(kMaxSecrets)));
        const QJsonObject previous = known.value(name).toObject();
        auto forget = [this, name](Backend from) {
            // The value lived in the other backend before: it goes from there, best effort.
            if (from == Backend::File) {
                if (auto file = readFile()) {
                    QJsonObject secrets = file->value("secrets").toObject();
                    if (secrets.contains(name)) {
                        secrets.remove(name);
                        QJsonObject next = *file;
                        next["secrets"] = secrets;
                        if (auto s = writeFile(next); !s)
                            qCWarning(lcSecrets).noquote() << "could not remove the old copy of" << name << ":" << s.error().text();
                    }
                }
            } else if (m_backend == Backend::Keyring) {
                // (Without a keyring the old copy stays there: nothing can reach it.)
                auto* del = new QKeychain::DeletePasswordJob(m_options.keyringService);
                del->setKey(name);
                runJob(del, m_options.jobTimeoutMs, [](QKeychain::Job*) {});
            }
        };
        const QString before = previous.value("backend").toString();
        if (m_backend == Backend::File) {
            auto file = readFile();
            if (!file)
                return done(file.error());
            QJsonObject secrets = file->value("secrets").toObject();
            secrets[name] = value;
            QJsonObject next = *file;
            next["version"] = 1;
            next["secrets"] = secrets;
            if (auto s = writeFile(next); !s)
                return done(s.error());
            auto info = recordSet(name, Backend::File);
            if (info && before == "keyring")
                forget(Backend::Keyring);
            return done(info);
        }
        auto* job = new QKeychain::WritePasswordJob(m_options.keyringService);
        job->setKey(name);
        job->setTextData(value);
        QPointer<QObject> ctx(context);
        const bool guarded = context != nullptr;
        runJob(job, m_options.jobTimeoutMs, [this, name, done, finished, ctx, guarded, before, forget](QKeychain::Job* j) {
            const bool stored = j && j->error() == QKeychain::NoError;
            if (guarded && !ctx) { // nobody to answer; what the keyring did is still recorded
                if (stored && recordSet(name, Backend::Keyring) && before == "file")
                    forget(Backend::File);
                return finished();
            }
            if (!stored)
                return done(makeError("keyring",
                                      QString("Cannot store secret '%1' in the desktop keyring: %2. Unlock the "
                                              "keyring, or run vivariumd with VIVARIUM_SECRETS=file to keep "
                                              "secrets in a private file instead.")
                                          .arg(name, j ? j->errorString() : QString("it did not answer"))));
            auto info = recordSet(name, Backend::Keyring);
            if (info && before == "file")
                forget(Backend::File);
            done(info);
        });
    });
}

void SecretStore::value(const QString& name, std::function<void(Result<QString>)> reply, QObject* context) {
    if (!isValidName(name))
        return reply(badName(name));
    enqueue(context, [this, name, reply, context](const std::function<void()>& finished) {
        auto done = [reply, finished](Result<QString> r) {
            reply(std::move(r));
            finished();
        };
        auto index = readIndex();
        if (!index)
            return done(index.error());
        const QJsonObject entry = index->value("secrets").toObject().value(name).toObject();
        if (entry.isEmpty())
            return done(makeError("unknown_secret", QString("There is no secret named '%1'. Set it with: viv secret "
                                                            "set %1").arg(name)));
        if (entry.value("backend").toString() == "file") {
            auto file = readFile();
            if (!file)
                return done(file.error());
            const QJsonValue v = file->value("secrets").toObject().value(name);
            if (!v.isString())
                return done(makeError("unknown_secret", QString("Secret '%1' is listed but its value is missing from "
                                                                "%2. Set it again: viv secret set %1")
                                                            .arg(name, displayPath(filePath()))));
            return done(v.toString());
        }
        if (m_backend != Backend::Keyring)
            return done(makeError("keyring", QString("Secret '%1' is in the desktop keyring, which this service cannot "
                                                     "reach now (%2). Start the service inside your desktop "
                                                     "session, or set the secret again to keep it in %3.")
                                                 .arg(name, m_note.isEmpty() ? QString("VIVARIUM_SECRETS=file") : m_note,
                                                      displayPath(filePath()))));
        auto* job = new QKeychain::ReadPasswordJob(m_options.keyringService);
        job->setKey(name);
        QPointer<QObject> ctx(context);
        const bool guarded = context != nullptr;
        runJob(job, m_options.jobTimeoutMs, [name, done, finished, ctx, guarded](QKeychain::Job* j) {
            if (guarded && !ctx)
                return finished();
            if (j && j->error() == QKeychain::EntryNotFound)
                return done(makeError("unknown_secret", QString("Secret '%1' is listed but the desktop keyring has no "
                                                                "value for it. Set it again: viv secret set %1")
                                                            .arg(name)));
            if (!j || j->error() != QKeychain::NoError)
                return done(makeError("keyring", QString("Cannot read secret '%1' from the desktop keyring: %2.")
                                                     .arg(name, j ? j->errorString() : QString("it did not answer"))));
            done(static_cast<QKeychain::ReadPasswordJob*>(j)->textData());
        });
    });
}

void SecretStore::remove(const QString& name, std::function<void(Status)> reply, QObject* context) {
    auto announce = [this, name, reply](Status s) {
        if (s)
            emit secretRemoved(name);
        reply(std::move(s));
    };
    if (!isValidName(name))
        return announce(badName(name));
    enqueue(context, [this, name, announce, context](const std::function<void()>& finished) {
        auto done = [announce, finished](Status s) {
            announce(std::move(s));
            finished();
        };
        auto index = readIndex();
        if (!index)
            return done(index.error());
        const QJsonObject entry = index->value("secrets").toObject().value(name).toObject();
        if (entry.isEmpty())
            return done(makeError("unknown_secret", QString("There is no secret named '%1'.").arg(name)));
        if (entry.value("backend").toString() == "file") {
            auto file = readFile();
            if (!file)
                return done(file.error());
            QJsonObject secrets = file->value("secrets").toObject();
            secrets.remove(name);
            QJsonObject next = *file;
            next["secrets"] = secrets;
            if (auto s = writeFile(next); !s)
                return done(s);
            return done(recordRemoved(name));
        }
        if (m_backend != Backend::Keyring)
            return done(makeError("keyring", QString("Secret '%1' is in the desktop keyring, which this service cannot "
                                                     "reach now (%2); it stays there until the service can.")
                                                 .arg(name, m_note.isEmpty() ? QString("VIVARIUM_SECRETS=file") : m_note)));
        auto* job = new QKeychain::DeletePasswordJob(m_options.keyringService);
        job->setKey(name);
        QPointer<QObject> ctx(context);
        const bool guarded = context != nullptr;
        runJob(job, m_options.jobTimeoutMs, [this, name, done, finished, ctx, guarded](QKeychain::Job* j) {
            // Already gone from the keyring (removed by hand): the index entry goes too.
            const bool removed = j && (j->error() == QKeychain::NoError || j->error() == QKeychain::EntryNotFound);
            if (guarded && !ctx) {
                if (removed)
                    (void)recordRemoved(name);
                return finished();
            }
            if (!removed)
                return done(makeError("keyring", QString("Cannot remove secret '%1' from the desktop keyring: %2.")
                                                     .arg(name, j ? j->errorString() : QString("it did not answer"))));
            done(recordRemoved(name));
        });
    });
}

} // namespace vivarium
