// Small pieces every `viv` command uses: output, option parsing and the way sizes and
// ages are written in columns.
#pragma once

#include <QByteArray>
#include <QMap>
#include <QSet>
#include <QString>
#include <QStringList>

namespace vivarium::cli {

void err(const QString& text); // a line to stderr
void out(const QString& text); // a line to stdout
void writeAll(int fd, const QByteArray& data);

struct Parsed {
    QStringList positional;
    QStringList argv; // after --
    QMap<QString, QStringList> values;
    QSet<QString> flags;
    QString error;
};
// `valueOptions` take a value (`-e K=V`, `--name=N`); `flagOptions` do not.
Parsed parse(const QStringList& args, const QStringList& valueOptions,
             const QStringList& flagOptions);

QString age(const QString& iso); // "42s", "5m", "3h", "2d"; "-" when unknown
// Sizes as a person reads them in a column: 512B, 5.2MiB, 231MiB, 1.4GiB.
QString humanBytes(qint64 bytes);

} // namespace vivarium::cli
