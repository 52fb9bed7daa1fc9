#include "RouteStore.h"

#include "SecretStore.h"

#include <QJsonArray>
#include <QLoggingCategory>
#include <QPointer>
#include <QRandomGenerator>

Q_LOGGING_CATEGORY(lcRoutes, "vivarium.routes")

namespace vivarium {

namespace {

const QString kRef = QStringLiteral("{secret:");

const QString kNameRule = QStringLiteral("1-32 lower-case letters, digits and '_', starting with a letter");

// Set by the proxy, or framing that a route must not touch (EgressProxy strips them too).
bool reservedHeader(const QString& name) {
    static const QStringList reserved{"host",    "connection", "content-length", "transfer-encoding",
                                      "upgrade", "te",         "trailer",        "keep-alive"};
    const QString lower = name.toLower();
    return reserved.contains(lower) || lower.startsWith("proxy-");
}

bool isToken(const QString& name) {
    if (name.isEmpty() || name.size() > 256)
        return false;
    for (QChar c : name) {
        const char16_t u = c.unicode();
        const bool ok = (u >= 'a' && u <= 'z') || (u >= 'A' && u <= 'Z') || (u >= '0' && u <= '9') ||
                        QStringView(u"!#$%&'*+-.^_`|~").contains(c);
        if (!ok)
            return false;
    }
    return true;
}

// Control characters other than tab end a header or smuggle one in.
bool hasControl(const QString& text) {
    for (QChar c : text)
        if ((c.unicode() < 0x20 && c != '\t') || c.unicode() == 0x7f)
            return true;
    return false;
}

Error toError(const QList<RouteStore::FieldError>& errors) {
    QStringList all;
    for (const auto& e : errors)
        all << e.message;
    return makeError("bad_request", sentenceOf(errors.first().message), errors.size() > 1 ? all.join("; ") : QString());
}

const QStringList kFieldKeys{"upstream", "headers"};

// One pass over a (valid) template: a value that itself holds "{secret:X}" stays as it is.
QString substitute(const QString& text, const QMap<QString, QString>& values) {
    QString out;
    qsizetype from = 0;
    for (qsizetype at = text.indexOf(kRef); at >= 0; at = text.indexOf(kRef, from)) {
        const qsizetype close = text.indexOf('}', at);
        out += text.mid(from, at - from);
        out += values.value(text.mid(at + kRef.size(), close - at - kRef.size()));
        from = close + 1;
    }
    return out + text.mid(from);
}

} // namespace

QStringList Route::secretNames() const {
    QStringList names;
    for (const RouteHeader& h : headers)
        if (auto refs = RouteStore::secretReferences(h.value))
            for (const QString& n : refs.value())
                if (!names.contains(n))
                    names << n;
    return names;
}

QJsonObject Route::toJson() const {
    QJsonArray list;
    for (const RouteHeader& h : headers)
        list.append(QJsonObject{{"name", h.name}, {"value", h.value}});
    QJsonObject o{{"name", name},
                  {"upstream", upstream.toString()},
                  {"headers", list},
                  {"secrets", QJsonArray::fromStringList(secretNames())},
                  {"base_url_env", EgressRoute::baseUrlEnvName(name)}};
    if (!file.isEmpty())
        o["file"] = displayPath(file);
    return o;
}

RouteStore::RouteStore(QString dir, QObject* parent)
    : QObject(parent), m_dir(std::move(dir)),
      m_files(new JsonFileDir(m_dir,
                              {kMaxFileBytes, kMaxFiles, "route",
                               R"({"upstream": "https://api.openai.com/v1", "headers": […]})",
                               &EgressRoute::isValidRouteName, kNameRule},
                              this)) {
    connect(m_files, &JsonFileDir::changed, this, &RouteStore::rescan);
    rescan();
}

Result<QStringList> RouteStore::secretReferences(const QString& value) {
    QStringList refs;
    for (qsizetype at = value.indexOf(kRef); at >= 0; at = value.indexOf(kRef, at + 1)) {
        const qsizetype close = value.indexOf('}', at);
        const QString name = close < 0 ? QString() : value.mid(at + kRef.size(), close - at - kRef.size());
        if (close < 0)
            return makeError("bad_request", "has a '{secret:' with no closing '}'");
        if (!SecretStore::isValidName(name))
            return makeError("bad_request", QString("refers to '{secret:%1}', but '%1' is not a secret name (%2)")
                                                .arg(name.left(70), SecretStore::nameRule()));
        refs << name;
    }
    return refs;
}

QList<RouteStore::FieldError> RouteStore::validate(const QJsonObject& o, Route* out) {
    QList<FieldError> errors;
    Route r;
    auto bad = [&](const QString& field, const QString& what) {
        errors.append({field, QString("field '%1' %2").arg(field, what)});
    };
    const QString example = "an http:// or https:// URL with a host, e.g. https://api.openai.com/v1";
    if (!o.contains("upstream") || o.value("upstream").isNull()) {
        bad("upstream", "is required: " + example);
    } else if (!o.value("upstream").isString()) {
        bad("upstream", "must be " + example);
    } else {
        const QString text = o.value("upstream").toString().trimmed();
        r.upstream = QUrl(text, QUrl::StrictMode);
        const QString scheme = r.upstream.scheme();
        if (text.size() > kMaxUpstream)
            bad("upstream", QString("must be at most %1 characters").arg(kMaxUpstream));
        else if (!r.upstream.isValid() || (scheme != "http" && scheme != "https") || r.upstream.host().isEmpty())
            bad("upstream", QString("must be %1 (not '%2')").arg(example, text.left(200)));
        else if (!r.upstream.userInfo().isEmpty() || r.upstream.hasQuery() || r.upstream.hasFragment())
            bad("upstream", "must not have user info, a query or a fragment; put credentials in a header");
    }
    if (o.contains("headers") && !o.value("headers").isNull()) {
        const QString shape = R"(must be a list of {"name": "Authorization", "value": "Bearer {secret:NAME}"})";
        if (!o.value("headers").isArray()) {
            bad("headers", shape);
        } else if (o.value("headers").toArray().size() > kMaxHeaders) {
            bad("headers", QString("must have at most %1 entries").arg(kMaxHeaders));
        } else {
            QStringList seen;
            for (const QJsonValue& v : o.value("headers").toArray()) {
                const QJsonObject h = v.toObject();
                if (!v.isObject() || !h.value("name").isString() || !h.value("value").isString()) {
                    bad("headers", shape);
                    break;
                }
                const QString name = h.value("name").toString();
                const QString value = h.value("value").toString();
                if (!isToken(name)) {
                    bad("headers", QString("has '%1', which is not a header name (letters, digits and "
                                           "!#$%&'*+-.^_`|~)").arg(name.left(100)));
                } else if (reservedHeader(name)) {
                    bad("headers", QString("sets %1, which the proxy sets itself").arg(name));
                } else if (seen.contains(name.toLower())) {
                    bad("headers", QString("sets %1 twice").arg(name));
                } else if (value.toUtf8().size() > kMaxHeaderValue) {
                    bad("headers", QString("gives %1 a value longer than %2 bytes").arg(name).arg(kMaxHeaderValue));
                } else if (hasControl(value)) {
                    bad("headers", QString("gives %1 a value with a line break or another control character")
                                       .arg(name));
                } else if (auto refs = secretReferences(value); !refs) {
                    bad("headers", QString("gives %1 a value that %2").arg(name, refs.error().message));
                } else {
                    r.headers.append({name, value});
                }
                seen << name.toLower();
            }
        }
    }
    if (out && errors.isEmpty())
        *out = r;
    return errors;
}

void RouteStore::rescan() {
    QMap<QString, Entry> entries;
    QList<FileProblem> problems;
    for (const JsonFileDir::File& file : m_files->read()) {
        auto problem = [&](const QString& field, const QString& message) {
            problems.append({file.shown, field, file.shown + ": " + message});
        };
        if (!file.nameOk) {
            problem({}, file.problem);
            continue;
        }
        Entry& entry = entries[file.name];
        entry.path = file.path;
        if (!file.object) {
            problem({}, file.problem);
            continue;
        }
        entry.raw = *file.object;
        bool ok = true;
        if (entry.raw->contains("name") && entry.raw->value("name") != QJsonValue(file.name)) {
            problem("name", QString("field 'name' must be \"%1\", the file's name without .json").arg(file.name));
            ok = false;
        }
        Route r;
        const QList<FieldError> errors = validate(*entry.raw, &r);
        for (const FieldError& e : errors)
            problem(e.field, e.message);
        if (!ok || !errors.isEmpty())
            continue;
        r.name = file.name;
        r.file = file.path;
        r.raw = *entry.raw;
        entry.valid = r;
    }

    const auto changes = entryChanges<Route>(m_entries, entries);
    for (const FileProblem& p : std::as_const(problems))
        if (!m_problems.contains(p))
            qCWarning(lcRoutes).noquote() << "route skipped:" << p.message;
    const bool problemsChanged = problems != m_problems;
    m_entries = std::move(entries);
    m_problems = std::move(problems);
    QStringList watched;
    for (const Entry& e : std::as_const(m_entries))
        watched << e.path;
    m_files->watch(watched);
    for (const QString& name : changes.removed)
        emit routeRemoved(name);
    for (const Route& r : changes.added)
        emit routeAdded(r);
    for (const Route& r : changes.changed)
        emit routeChanged(r);
    if (problemsChanged)
        emit this->problemsChanged(m_problems);
}

QList<Route> RouteStore::list() {
    rescan();
    QList<Route> all;
    for (const Entry& e : std::as_const(m_entries))
        if (e.valid)
            all << *e.valid;
    return all;
}

QList<FileProblem> RouteStore::problems() {
    rescan();
    return m_problems;
}

Result<Route> RouteStore::find(const QString& name) {
    rescan();
    return lookup(name);
}

bool RouteStore::exists(const QString& name) { return bool(find(name)); }

Result<Route> RouteStore::lookup(const QString& name) const {
    if (const auto e = m_entries.constFind(name); e != m_entries.cend() && e->valid)
        return *e->valid;
    if (const auto e = m_entries.constFind(name); e != m_entries.cend())
        return makeError("invalid_route", QString("Route '%1' cannot be used: its file has problems (%2). Fix the "
                                                  "file, or replace the route: viv route rm %1, then viv route add %1 …")
                                              .arg(name, displayPath(e->path)));
    QStringList names;
    for (const Entry& e : m_entries)
        if (e.valid)
            names << e.valid->name;
    return makeError("unknown_route", QString("There is no route named '%1'. %2")
                                          .arg(name.left(100), names.isEmpty()
                                                                   ? QString("Add one with: viv route add NAME --upstream URL")
                                                                   : "Routes: " + names.join(", ") + "."));
}

Result<Route> RouteStore::add(const QString& name, const QJsonObject& fields) {
    if (!EgressRoute::isValidRouteName(name))
        return makeError("bad_request", QString("'%1' is not a route name: use %2 (it becomes %3 in the sandbox).")
                                            .arg(name.left(100), kNameRule, "NAME_BASE_URL"));
    rescan();
    if (m_entries.contains(name))
        return makeError("route_exists", QString("Route '%1' already exists; remove it first (viv route rm %1) or "
                                                 "change it with route.update.").arg(name));
    QJsonObject object{{"name", name}};
    for (const QString& key : kFieldKeys)
        if (fields.contains(key) && !fields.value(key).isNull())
            object[key] = fields.value(key);
    if (!object.contains("headers"))
        object["headers"] = QJsonArray();
    if (const QList<FieldError> errors = validate(object, nullptr); !errors.isEmpty())
        return toError(errors);
    return write(name, object);
}

Result<Route> RouteStore::update(const QString& name, const QJsonObject& fields) {
    rescan();
    const auto entry = m_entries.constFind(name);
    if (entry == m_entries.cend())
        return lookup(name).error();
    if (!entry->raw)
        return makeError("invalid_route", QString("The file of route '%1' cannot be read as a route; fix or remove "
                                                  "it: %2").arg(name, displayPath(entry->path)));
    QJsonObject object = *entry->raw;
    for (const QString& key : kFieldKeys)
        if (fields.contains(key))
            object[key] = fields.value(key).isNull() && key == "headers" ? QJsonValue(QJsonArray()) : fields.value(key);
    object["name"] = name;
    if (const QList<FieldError> errors = validate(object, nullptr); !errors.isEmpty())
        return toError(errors);
    return write(name, object);
}

Status RouteStore::remove(const QString& name) {
    rescan();
    if (!m_entries.contains(name))
        return lookup(name).error();
    if (auto s = m_files->remove(name); !s)
        return s;
    rescan();
    return {};
}

Result<Route> RouteStore::write(const QString& name, const QJsonObject& object) {
    if (auto s = m_files->write(name, object); !s)
        return s.error();
    rescan();
    const auto entry = m_entries.constFind(name);
    if (entry == m_entries.cend() || !entry->valid)
        return makeError("io_error", "Route '" + name + "' was written but reads back differently.");
    return *entry->valid;
}

QString RouteStore::makePlaceholder(const QString& secretName) {
    quint32 words[4];
    QRandomGenerator::system()->fillRange(words);
    QString hex;
    for (quint32 w : words)
        hex += QString("%1").arg(w, 8, 16, QChar('0'));
    return QString("vivarium-placeholder-%1-%2").arg(secretName, hex);
}

void RouteStore::resolve(const Route& route, SecretStore& secrets, QMap<QString, QString> placeholders,
                         std::function<void(Result<ResolvedRoute>)> done, QObject* context) {
    // Every referenced secret is fetched (the keyring answers asynchronously); the route is
    // built once the last one is back, or fails on the first error.
    struct State {
        Route route;
        QMap<QString, QString> placeholders;
        QMap<QString, QString> values;
        int outstanding = 0;
        bool failed = false;
        std::function<void(Result<ResolvedRoute>)> done;
    };
    auto state = std::make_shared<State>();
    state->route = route;
    state->placeholders = std::move(placeholders);
    state->done = std::move(done);
    const QStringList names = route.secretNames();

    auto finish = [state] {
        ResolvedRoute out;
        out.route.name = state->route.name;
        out.route.upstream = state->route.upstream;
        for (const RouteHeader& h : state->route.headers) {
            out.route.headers.append({h.name.toLatin1(), substitute(h.value, state->values).toUtf8()});
        }
        for (auto it = state->values.cbegin(); it != state->values.cend(); ++it) {
            QString& placeholder = state->placeholders[it.key()];
            if (placeholder.isEmpty())
                placeholder = makePlaceholder(it.key());
            out.route.placeholders.insert(placeholder.toUtf8(), it.value().toUtf8());
            out.route.secrets.append(it.value().toUtf8());
            out.placeholders.insert(it.key(), placeholder);
        }
        if (auto s = out.route.validate(); !s)
            return state->done(s.error().wrap("Route '" + state->route.name + "' cannot be used"));
        state->done(std::move(out));
    };
    if (names.isEmpty())
        return finish();
    state->outstanding = int(names.size());
    for (const QString& name : names) {
        secrets.value(
            name,
            [state, name, finish](Result<QString> v) {
                if (state->failed)
                    return;
                if (!v) {
                    state->failed = true;
                    return state->done(v.error().wrap(QString("Route '%1' needs secret '%2'").arg(state->route.name, name)));
                }
                // The value is never quoted in a message: only which header it cannot go in.
                if (hasControl(v.value())) {
                    state->failed = true;
                    for (const RouteHeader& h : state->route.headers)
                        if (h.value.contains(kRef + name + '}'))
                            return state->done(makeError(
                                "bad_secret", QString("Route '%1' cannot use secret '%2' in header %3: the value "
                                                      "contains a line break or another control character. Set "
                                                      "it again without one: viv secret set %2")
                                                  .arg(state->route.name, name, h.name)));
                    return;
                }
                state->values.insert(name, v.value());
                if (--state->outstanding == 0)
                    finish();
            },
            context);
    }
}

} // namespace vivarium
