// The Pools page: one card per warm pool (a template with a `pool` setting) showing its ready,
// booting and in-use sandboxes as coloured counts, its min / max / current target, the last
// refill error with the next retry while refills fail, and a chart of the last minutes
// (PoolChart). "Edit pool…" opens the template's dialog. Fed by pool.list and kept live by
// pool.changed events; it holds no state of its own beyond what the service last said.
#pragma once

#include <QJsonArray>
#include <QJsonObject>
#include <QMap>
#include <QPointer>
#include <QWidget>

class QLabel;
class QPushButton;
class QVBoxLayout;

namespace vivarium {
class ApiClient;
struct Error;
}

namespace vivarium::gui {

class PoolChart;

class PoolsPage : public QWidget {
    Q_OBJECT
public:
    explicit PoolsPage(QWidget* parent = nullptr);

    // Asks for pool.list (the client is kept for "Edit pool…").
    void refresh(ApiClient* client);
    // A pool.changed event (others are ignored).
    void applyEvent(const QJsonObject& event);
    void setPools(const QJsonArray& pools);

    // For tests.
    QStringList poolNames() const { return m_cards.keys(); }
    QString countsText(const QString& name) const;  // "1 ready · 1 booting · 2 in use"
    QString boundsText(const QString& name) const;  // "min 1 · max 3 · target 2"
    QString errorText(const QString& name) const;   // empty unless refills fail
    PoolChart* chart(const QString& name) const;
    QPushButton* editButton(const QString& name) const;
    QLabel* emptyLabel() const { return m_empty; }

signals:
    void failed(const QString& summary, const vivarium::Error& error);

private:
    struct Card {
        QWidget* box = nullptr;
        QLabel* title = nullptr;
        QLabel* counts = nullptr;
        QLabel* bounds = nullptr;
        QLabel* error = nullptr;
        PoolChart* chart = nullptr;
        QPushButton* edit = nullptr;
    };
    Card& card(const QString& name);
    void update(const QJsonObject& pool);
    void removeCard(const QString& name);
    void editPool(const QString& name);

    QPointer<ApiClient> m_client;
    QVBoxLayout* m_list;
    QLabel* m_empty;
    QMap<QString, Card> m_cards;
};

} // namespace vivarium::gui
