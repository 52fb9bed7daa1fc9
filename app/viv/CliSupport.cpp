// See CliSupport.h.
#include "CliSupport.h"

#include <QDateTime>

#include <cerrno>
#include <cstdio>
#include <unistd.h>

namespace vivarium::cli {

void err(const QString& text) {
    std::fputs(qPrintable(text + "\n"), stderr);
    std::fflush(stderr);
}
void out(const QString& text) {
    std::fputs(qPrintable(text + "\n"), stdout);
    std::fflush(stdout);
}
void writeAll(int fd, const QByteArray& data) {
    qsizetype done = 0;
    while (done < data.size()) {
        const ssize_t n = ::write(fd, data.constData() + done, size_t(data.size() - done));
        if (n < 0) {
            if (errno == EINTR || errno == EAGAIN)
                continue;
            return;
        }
        done += n;
    }
}


Parsed parse(const QStringList& args, const QStringList& valueOptions,
             const QStringList& flagOptions) {
    Parsed p;
    for (int i = 0; i < args.size(); ++i) {
        const QString& a = args[i];
        if (a == "--") {
            p.argv = args.mid(i + 1);
            break;
        }
        if (a.startsWith('-') && a.size() > 1) {
            QString name = a, value;
            const bool inlineValue = a.startsWith("--") && a.contains('=');
            if (inlineValue) {
                name = a.left(a.indexOf('='));
                value = a.mid(a.indexOf('=') + 1);
            }
            if (valueOptions.contains(name)) {
                if (!inlineValue) {
                    if (i + 1 >= args.size()) {
                        p.error = name + " needs a value";
                        return p;
                    }
                    value = args[++i];
                }
                p.values[name] << value;
            } else if (flagOptions.contains(name) && !inlineValue) {
                p.flags << name;
            } else {
                p.error = "unknown option " + name;
                return p;
            }
            continue;
        }
        // Without "--", the first positional after the required ones starts the command.
        p.positional << a;
    }
    return p;
}

QString age(const QString& iso) {
    const QDateTime t = QDateTime::fromString(iso, Qt::ISODateWithMs);
    if (!t.isValid())
        return "-";
    const qint64 s = t.secsTo(QDateTime::currentDateTimeUtc());
    if (s < 60)
        return QString::number(s) + "s";
    if (s < 3600)
        return QString::number(s / 60) + "m";
    if (s < 86400)
        return QString::number(s / 3600) + "h";
    return QString::number(s / 86400) + "d";
}

QString humanBytes(qint64 bytes) {
    static const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
    double v = double(bytes);
    int unit = 0;
    while (v >= 1024 && unit < 4) {
        v /= 1024;
        ++unit;
    }
    return QString::number(v, 'f', unit > 0 && v < 10 ? 1 : 0) + units[unit];
}

} // namespace vivarium::cli
