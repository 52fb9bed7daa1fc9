#include "TemplateStore.h"

#include "JsonFileDir.h"
#include "Log.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QRegularExpression>

#include <cmath>
#include <unistd.h>

namespace vivarium {

namespace {

// The keys a request may set; everything else in a request is not the template's.
const QStringList kFieldKeys{"description", "image",   "vcpus", "memory_mib", "disk_mib", "env",
                             "workdir",     "user",    "network", "pool",     "security",
                             "idle_timeout_s", "idle_action"};
// Objects later versions fill (security profiles). Today they are only checked to be objects
// and kept.
const QList<std::pair<QString, QString>> kReserved{{"security", "security settings"}};

Error toError(const QList<TemplateStore::FieldError>& errors) {
    QStringList all;
    for (const auto& e : errors)
        all << e.message;
    return makeError(errors.first().code, sentenceOf(errors.first().message),
                     errors.size() > 1 ? all.join("; ") : QString());
}

bool isBuiltin(const QString& name) {
    for (const Template& t : TemplateStore::builtins())
        if (t.name == name)
            return true;
    return false;
}

// A template as a file's object: what create copies from a built-in.
QJsonObject fileObject(const Template& t) {
    QJsonObject o{{"image", t.image}, {"vcpus", t.vcpus}, {"memory_mib", t.memoryMiB}};
    if (t.diskMiB > 0)
        o["disk_mib"] = t.diskMiB;
    return o;
}

// A request's `network` replaces egress, allow and routes whole (absent: the default); keys a
// later version put in the file's `network` stay.
QJsonObject mergedNetwork(const QJsonObject& old, QJsonObject next) {
    for (auto it = old.begin(); it != old.end(); ++it)
        if (!QStringList{"egress", "allow", "routes"}.contains(it.key()) && !next.contains(it.key()))
            next[it.key()] = it.value();
    return next;
}

void apply(QJsonObject& o, const QJsonObject& fields) {
    for (const QString& key : kFieldKeys) {
        if (!fields.contains(key))
            continue;
        const QJsonValue v = fields.value(key);
        // An empty workdir, user or description means "none": the key goes, like null.
        if (v.isNull() || (v.isString() && v.toString().isEmpty() &&
                           (key == "workdir" || key == "user" || key == "description")))
            o.remove(key);
        else if (key == "network" && v.isObject() && o.value(key).isObject())
            o[key] = mergedNetwork(o.value(key).toObject(), v.toObject());
        else
            o[key] = v;
    }
}

} // namespace

TemplateRules TemplateRules::forHost(QStringList images) {
    TemplateRules r;
    r.maxVcpus = std::clamp(int(::sysconf(_SC_NPROCESSORS_ONLN)), 1, kMaxVcpusCap);
    r.images = std::move(images);
    return r;
}

QJsonObject TemplateRules::toJson() const {
    auto range = [](int min, int max) { return QJsonObject{{"min", min}, {"max", max}}; };
    return {{"vcpus", range(1, maxVcpus)},
            {"memory_mib", range(kMinMemoryMiB, kMaxMemoryMiB)},
            {"disk_mib", range(kMinDiskMiB, kMaxDiskMiB)},
            {"images", QJsonArray::fromStringList(images)}};
}

QJsonObject Template::toJson() const {
    QJsonObject envObject;
    for (auto it = env.begin(); it != env.end(); ++it)
        envObject[it.key()] = it.value();
    QJsonObject o{{"name", name},       {"builtin", builtin},     {"image", image},
                  {"vcpus", vcpus},     {"memory_mib", memoryMiB}, {"env", envObject},
                  {"workdir", workdir}, {"user", user}};
    if (diskMiB > 0)
        o["disk_mib"] = diskMiB;
    if (!description.isEmpty())
        o["description"] = description;
    if (!file.isEmpty())
        o["file"] = file;
    o["network"] = networkJson();
    // The pool as it applies, over any keys a newer version put in the file's `pool`.
    QJsonObject poolObject = raw.value("pool").toObject();
    const QJsonObject applied = pool.toJson();
    for (auto it = applied.begin(); it != applied.end(); ++it)
        poolObject[it.key()] = it.value();
    o["pool"] = poolObject;
    o["idle_timeout_s"] = idleTimeoutS;
    o["idle_action"] = idleAction;
    for (const auto& [key, what] : kReserved)
        if (raw.value(key).isObject())
            o[key] = raw.value(key);
    return o;
}

QJsonObject TemplatePool::toJson() const {
    return {{"min_ready", minReady}, {"max", max}, {"idle_ttl_s", idleTtlS}};
}

QJsonObject Template::networkJson() const {
    return {{"egress", egressModeName(egress)},
            {"allow", QJsonArray::fromStringList(allow)},
            {"routes", QJsonArray::fromStringList(routes)}};
}

QList<AllowEntry> Template::allowEntries() const {
    QList<AllowEntry> out;
    for (const QString& a : allow)
        if (auto e = AllowEntry::parse(a))
            out << e.value();
    return out;
}

TemplateStore::TemplateStore(QString dir, TemplateRules rules, QObject* parent)
    : QObject(parent), m_dir(std::move(dir)), m_rules(std::move(rules)),
      m_files(new JsonFileDir(m_dir,
                              {kMaxFileBytes, kMaxFiles, "template", "{\"image\": \"default\", …}", &isValidName,
                               "1-63 letters, digits, '.', '_' or '-', starting with a letter or digit"},
                              this)) {
    connect(m_files, &JsonFileDir::changed, this, &TemplateStore::rescan);
    rescan();
}

QList<Template> TemplateStore::builtins() {
    Template debian;
    debian.name = "default";
    debian.description = "Debian 12 with python3";
    debian.image = "default";
    debian.memoryMiB = 512;
    debian.builtin = true;
    Template tiny;
    tiny.name = "tiny";
    tiny.description = "BusyBox, for quick tests";
    tiny.image = "tiny";
    tiny.memoryMiB = 256;
    tiny.builtin = true;
    return {debian, tiny};
}

bool TemplateStore::isValidName(const QString& name) {
    static const QRegularExpression valid("^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$");
    return valid.match(name).hasMatch();
}

QList<TemplateStore::FieldError> TemplateStore::validate(const QJsonObject& o, const TemplateRules& rules,
                                                         Template* out) {
    QList<FieldError> errors;
    Template t;
    auto bad = [&](const QString& field, const QString& what, const QString& code = "bad_request") {
        errors.append({field, QString("field '%1' %2").arg(field, what), code});
    };
    auto present = [&](const QString& key) { return o.contains(key) && !o.value(key).isNull(); };
    // A number in [min, max] with no fraction; absent or null keeps `*into`.
    auto number = [&](const QString& key, int min, int max, int* into) {
        if (!present(key))
            return;
        const double d = o.value(key).toDouble(std::nan(""));
        if (!o.value(key).isDouble() || d != std::floor(d) || d < min || d > max)
            return bad(key, QString("must be a number between %1 and %2").arg(min).arg(max));
        *into = int(d);
    };
    auto string = [&](const QString& key, QString* into) -> bool {
        if (!present(key))
            return false;
        if (!o.value(key).isString()) {
            bad(key, "must be a string");
            return false;
        }
        *into = o.value(key).toString();
        return !into->isEmpty();
    };

    bool imageOk = false;
    if (!present("image")) {
        bad("image", "is required: the image sandboxes boot, e.g. " + rules.images.join(" or "));
    } else if (!o.value("image").isString()) {
        bad("image", "must be a string naming an image, e.g. " + rules.images.join(" or "));
    } else {
        t.image = o.value("image").toString();
        imageOk = rules.imageAvailable ? rules.imageAvailable(t.image) : rules.images.contains(t.image);
        if (!imageOk)
            errors.append({"image",
                           QString("image '%1' is not available; built-in images: %2")
                               .arg(t.image.left(100), rules.images.join(", ")),
                           "unknown_image"});
    }
    number("vcpus", 1, rules.maxVcpus, &t.vcpus);
    number("memory_mib", TemplateRules::kMinMemoryMiB, TemplateRules::kMaxMemoryMiB, &t.memoryMiB);
    number("disk_mib", TemplateRules::kMinDiskMiB, TemplateRules::kMaxDiskMiB, &t.diskMiB);
    // Idle reaping: 0 = never; else stop or hibernate after that many idle seconds.
    number("idle_timeout_s", 0, Template::kMaxIdleTimeoutS, &t.idleTimeoutS);
    if (string("idle_action", &t.idleAction) && t.idleAction != "stop" && t.idleAction != "hibernate")
        bad("idle_action", "must be \"stop\" or \"hibernate\"");
    if (t.diskMiB > 0 && rules.imageMiB && imageOk) {
        // The overlay cannot be smaller than the image it covers.
        if (const int imageMiB = rules.imageMiB(t.image); imageMiB > t.diskMiB)
            bad("disk_mib", QString("must be at least %1, the size of image '%2'").arg(imageMiB).arg(t.image));
    }

    if (present("env")) {
        static const QRegularExpression envName("^[A-Za-z_][A-Za-z0-9_]{0,127}$");
        const QJsonValue env = o.value("env");
        if (!env.isObject()) {
            bad("env", "must be an object of names to strings");
        } else if (env.toObject().size() > TemplateRules::kMaxEnv) {
            bad("env", QString("must have at most %1 variables").arg(TemplateRules::kMaxEnv));
        } else {
            const QJsonObject vars = env.toObject();
            for (auto it = vars.begin(); it != vars.end(); ++it) {
                if (!envName.match(it.key()).hasMatch()) {
                    bad("env", QString("has an invalid name '%1' (letters, digits and '_', not "
                                       "starting with a digit)").arg(it.key().left(100)));
                } else if (!it.value().isString()) {
                    bad("env", QString("must give '%1' a string value").arg(it.key()));
                } else if (it.value().toString().contains(QChar(0))) {
                    bad("env", QString("gives '%1' a value with a NUL character").arg(it.key()));
                } else {
                    t.env.insert(it.key(), it.value().toString());
                }
            }
        }
    }
    if (string("workdir", &t.workdir) &&
        (!t.workdir.startsWith('/') || t.workdir.contains(QChar(0)) || t.workdir.toUtf8().size() > 4096))
        bad("workdir", "must be an absolute path in the sandbox, e.g. /root");
    if (string("user", &t.user)) {
        // A name as useradd takes it, or a uid: the guest resolves it when a command runs.
        static const QRegularExpression userName("^([A-Za-z_][A-Za-z0-9_.-]{0,31}|[0-9]{1,10})$");
        if (!userName.match(t.user).hasMatch() || t.user.toULongLong() > 4294967294ULL)
            bad("user", "must be a user name (e.g. nobody) or a numeric uid");
    }
    if (string("description", &t.description) && t.description.size() > TemplateRules::kMaxDescription)
        bad("description", QString("must be at most %1 characters").arg(TemplateRules::kMaxDescription));
    for (const auto& [key, what] : kReserved)
        if (present(key) && !o.value(key).isObject())
            bad(key, "must be an object (reserved for " + what + ")");

    // pool: {"min_ready": N, "max": M, "idle_ttl_s": T}; max defaults to min_ready, keys it
    // does not know are kept.
    if (present("pool") && !o.value("pool").isObject()) {
        bad("pool", R"(must be an object such as {"min_ready": 1, "max": 3, "idle_ttl_s": 300})");
    } else if (present("pool")) {
        const QJsonObject pool = o.value("pool").toObject();
        auto poolNumber = [&](const QString& key, int min, int max, int* into) {
            if (!pool.contains(key) || pool.value(key).isNull())
                return false;
            const double d = pool.value(key).toDouble(std::nan(""));
            if (!pool.value(key).isDouble() || d != std::floor(d) || d < min || d > max) {
                bad("pool." + key, QString("must be a number between %1 and %2").arg(min).arg(max));
                return false;
            }
            *into = int(d);
            return true;
        };
        poolNumber("min_ready", 0, TemplatePool::kMaxSize, &t.pool.minReady);
        if (!poolNumber("max", 0, TemplatePool::kMaxSize, &t.pool.max))
            t.pool.max = t.pool.minReady;
        poolNumber("idle_ttl_s", TemplatePool::kMinIdleTtlS, TemplatePool::kMaxIdleTtlS, &t.pool.idleTtlS);
        if (t.pool.minReady > t.pool.max)
            bad("pool.max", QString("must be at least min_ready (%1): a pool never holds more than max "
                                    "sandboxes").arg(t.pool.minReady));
    }

    // network: {"egress": …, "allow": […], "routes": […]}; keys it does not know are kept.
    if (present("network") && !o.value("network").isObject()) {
        bad("network", R"(must be an object such as {"egress": "proxy", "allow": ["pypi.org"], "routes": ["openai"]})");
    } else if (present("network")) {
        const QJsonObject net = o.value("network").toObject();
        auto has = [&](const QString& key) { return net.contains(key) && !net.value(key).isNull(); };
        if (has("egress")) {
            auto mode = net.value("egress").isString() ? parseEgressMode(net.value("egress").toString())
                                                       : Result<EgressMode>(makeError("bad_request", {}));
            if (mode)
                t.egress = mode.value();
            else
                bad("network.egress", "must be \"none\" (no way out), \"proxy\" (the allowlist, through the "
                                      "host) or \"open\" (a network interface)");
        }
        // A list of strings, each checked by `check` (its problem, or empty when fine).
        auto strings = [&](const QString& key, int max, const QString& what,
                           const std::function<QString(const QString&)>& check, QStringList* into) {
            if (!has(key))
                return;
            const QString field = "network." + key;
            if (!net.value(key).isArray())
                return bad(field, "must be a list of " + what);
            const QJsonArray list = net.value(key).toArray();
            if (list.size() > max)
                return bad(field, QString("must have at most %1 entries").arg(max));
            for (const QJsonValue& v : list) {
                if (!v.isString())
                    return bad(field, "must be a list of " + what);
                if (const QString problem = check(v.toString()); !problem.isEmpty())
                    return bad(field, problem);
                if (into->contains(v.toString()))
                    return bad(field, QString("names '%1' twice").arg(v.toString()));
                into->append(v.toString());
            }
        };
        strings("allow", TemplateRules::kMaxAllow, "hosts (host, host:port, *.example.com)",
                [](const QString& entry) {
                    auto e = AllowEntry::parse(entry);
                    return e ? QString() : QString("has an invalid entry '%1': %2").arg(entry.left(100), e.error().message);
                },
                &t.allow);
        strings("routes", TemplateRules::kMaxRoutes, "route names",
                [](const QString& route) {
                    return EgressRoute::isValidRouteName(route)
                               ? QString()
                               : QString("has an invalid route name '%1' (1-32 lower-case letters, digits and "
                                         "'_', starting with a letter)").arg(route.left(100));
                },
                &t.routes);
    }

    if (out && errors.isEmpty())
        *out = t;
    return errors;
}

void TemplateStore::rescan() {
    QMap<QString, Entry> entries;
    QList<TemplateProblem> problems;
    for (const JsonFileDir::File& file : m_files->read()) {
        auto problem = [&](const QString& field, const QString& message) {
            problems.append({file.shown, field, file.shown + ": " + message});
        };
        if (!file.nameOk) {
            problem({}, file.problem);
            continue;
        }
        const QString& name = file.name;
        if (isBuiltin(name)) {
            problem("name", QString("'%1' is a built-in template, which a file cannot replace; "
                                    "rename the file").arg(name));
            continue;
        }
        Entry& entry = entries[name];
        entry.path = file.path;
        if (!file.object) {
            problem({}, file.problem);
            continue;
        }
        entry.raw = *file.object;
        bool ok = true;
        if (entry.raw->contains("name") && entry.raw->value("name") != QJsonValue(name)) {
            problem("name", QString("field 'name' must be \"%1\", the file's name without .json").arg(name));
            ok = false;
        }
        Template t;
        const QList<FieldError> errors = validate(*entry.raw, m_rules, &t);
        for (const FieldError& e : errors)
            problem(e.field, e.message);
        if (!ok || !errors.isEmpty())
            continue;
        t.name = name;
        t.file = file.path;
        t.raw = *entry.raw;
        entry.valid = t;
    }

    const auto changes = entryChanges<Template>(m_entries, entries);
    for (const TemplateProblem& p : std::as_const(problems))
        if (!m_problems.contains(p))
            qCWarning(lcSandbox).noquote() << "template skipped:" << p.message;
    const bool problemsChanged = problems != m_problems;
    m_entries = std::move(entries);
    m_problems = std::move(problems);
    QStringList watched;
    for (const Entry& e : std::as_const(m_entries))
        watched << e.path;
    m_files->watch(watched);
    for (const QString& name : changes.removed)
        emit templateRemoved(name);
    for (const Template& t : changes.added)
        emit templateAdded(t);
    for (const Template& t : changes.changed)
        emit templateChanged(t);
    if (problemsChanged)
        emit this->problemsChanged(m_problems);
}

QList<Template> TemplateStore::list() {
    rescan();
    QList<Template> all = builtins();
    for (const Entry& e : std::as_const(m_entries))
        if (e.valid)
            all << *e.valid;
    return all;
}

QList<TemplateProblem> TemplateStore::problems() {
    rescan();
    return m_problems;
}

Result<Template> TemplateStore::find(const QString& name) {
    rescan();
    return lookup(name);
}

Result<Template> TemplateStore::lookup(const QString& name) const {
    QStringList names;
    for (const Template& t : builtins()) {
        if (t.name == name)
            return t;
        names << t.name;
    }
    if (const auto e = m_entries.constFind(name); e != m_entries.cend() && e->valid)
        return *e->valid;
    for (const Entry& e : m_entries)
        if (e.valid)
            names << e.valid->name;
    if (const auto e = m_entries.constFind(name); e != m_entries.cend())
        return makeError("invalid_template",
                         QString("Template '%1' cannot be used: its file has problems (%2). Fix "
                                 "the file, or change it with: viv template edit %1")
                             .arg(name, displayPath(e->path)));
    return makeError("unknown_template", QString("There is no template named '%1'. Templates: %2.")
                                             .arg(name.left(100), names.join(", ")));
}

Result<Template> TemplateStore::create(const QString& name, const QJsonObject& fields, const QString& from) {
    if (!isValidName(name))
        return makeError("bad_request", "A template name is 1-63 letters, digits, '.', '_' or '-', "
                                        "starting with a letter or digit.");
    if (isBuiltin(name))
        return makeError("builtin_template",
                         QString("'%1' is a built-in template; choose another name (to start from "
                                 "it: viv template create NAME --from %1)").arg(name));
    rescan();
    if (m_entries.contains(name))
        return makeError("template_exists",
                         QString("Template '%1' already exists; change it with: viv template edit %1").arg(name));
    QJsonObject object;
    if (from.isEmpty()) {
        object = fileObject(builtins().first());
    } else {
        auto source = lookup(from);
        if (!source)
            return source.error().wrap("Cannot copy template '" + from.left(100) + "'");
        object = source->builtin ? fileObject(*source) : source->raw;
    }
    apply(object, fields);
    object["name"] = name;
    QList<FieldError> errors = validate(object, m_rules, nullptr);
    if (errors.isEmpty())
        errors = checkRoutes(object);
    if (!errors.isEmpty())
        return toError(errors);
    return write(name, object);
}

Result<Template> TemplateStore::update(const QString& name, const QJsonObject& fields) {
    if (isBuiltin(name))
        return makeError("builtin_template",
                         QString("'%1' is a built-in template and cannot be changed; copy it with: "
                                 "viv template create NAME --from %1").arg(name));
    rescan();
    const auto entry = m_entries.constFind(name);
    if (entry == m_entries.cend())
        return lookup(name).error();
    if (!entry->raw)
        return makeError("invalid_template",
                         QString("The file of template '%1' cannot be read as a template; fix or "
                                 "remove it: %2").arg(name, displayPath(entry->path)));
    QJsonObject object = *entry->raw;
    apply(object, fields);
    object["name"] = name;
    QList<FieldError> errors = validate(object, m_rules, nullptr);
    if (errors.isEmpty())
        errors = checkRoutes(object);
    if (!errors.isEmpty())
        return toError(errors);
    return write(name, object);
}

Status TemplateStore::remove(const QString& name) {
    if (isBuiltin(name))
        return makeError("builtin_template", QString("'%1' is a built-in template and cannot be removed.").arg(name));
    rescan();
    const auto entry = m_entries.constFind(name);
    if (entry == m_entries.cend())
        return lookup(name).error();
    if (auto s = m_files->remove(name); !s)
        return s;
    rescan();
    return {};
}

QList<TemplateStore::FieldError> TemplateStore::checkRoutes(const QJsonObject& object) const {
    QList<FieldError> errors;
    if (!m_rules.routeExists)
        return errors;
    for (const QJsonValue& v : object.value("network").toObject().value("routes").toArray())
        if (!m_rules.routeExists(v.toString()))
            errors.append({"network.routes",
                           QString("field 'network.routes' names route '%1', which does not exist; add it "
                                   "with: viv route add %1 --upstream URL --header 'NAME: VALUE'").arg(v.toString()),
                           "unknown_route"});
    return errors;
}

Result<Template> TemplateStore::write(const QString& name, const QJsonObject& object) {
    if (auto s = m_files->write(name, object); !s)
        return s.error();
    rescan();
    const auto entry = m_entries.constFind(name);
    if (entry == m_entries.cend() || !entry->valid) // changed on disk at this very moment
        return makeError("io_error", "Template '" + name + "' was written but reads back differently.");
    return *entry->valid;
}

} // namespace vivarium
