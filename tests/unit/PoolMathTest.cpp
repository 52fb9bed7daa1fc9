// The warm-pool arithmetic (core/sandbox/PoolMath.h): the target under demand, how many to
// boot (never past max, never more than the boot slots), which idle members to let go, and the
// refill backoff. Pure functions: no VM, no clock.
#include "PoolMath.h"
#include "TemplateStore.h"

#include <QTest>

using namespace vivarium;

class PoolMathTest : public QObject {
    Q_OBJECT
private slots:
    void targetFollowsDemandWithinBounds() {
        QCOMPARE(poolmath::target(1, 3, 0), 1); // idle: min_ready
        QCOMPARE(poolmath::target(1, 3, 2), 2); // two claims in the window: keep two ready
        QCOMPARE(poolmath::target(1, 3, 9), 3); // never past max
        QCOMPARE(poolmath::target(0, 2, 0), 0);
        QCOMPARE(poolmath::target(0, 2, 1), 1);
        QCOMPARE(poolmath::target(2, 2, 0), 2);
        QCOMPARE(poolmath::target(0, 0, 5), 0); // no pool
        QCOMPARE(poolmath::target(5, 3, 0), 3); // a bad min is held to max
    }

    void bootsNeverPassMaxOrSlots() {
        QCOMPARE(poolmath::toBoot(2, 3, 0, 0, 2), 2);
        QCOMPARE(poolmath::toBoot(3, 3, 0, 0, 2), 2); // two boot slots
        QCOMPARE(poolmath::toBoot(3, 3, 0, 2, 2), 0); // slots taken
        QCOMPARE(poolmath::toBoot(3, 3, 1, 1, 2), 1);
        QCOMPARE(poolmath::toBoot(1, 1, 1, 0, 2), 0); // full
        QCOMPARE(poolmath::toBoot(1, 3, 2, 0, 2), 0); // above target: nothing
        QCOMPARE(poolmath::toBoot(3, 2, 0, 0, 4), 2); // target past max is cut to max
        // Every combination: ready + booting + toBoot never passes max, booting + toBoot
        // never passes the slots.
        for (int max = 0; max <= 4; ++max)
            for (int tgt = 0; tgt <= 5; ++tgt)
                for (int ready = 0; ready <= 5; ++ready)
                    for (int booting = 0; booting <= 5; ++booting)
                        for (int maxBooting = 0; maxBooting <= 3; ++maxBooting) {
                            const int n = poolmath::toBoot(tgt, max, ready, booting, maxBooting);
                            QVERIFY(n >= 0);
                            if (n > 0) {
                                QVERIFY(ready + booting + n <= max);
                                QVERIFY(booting + n <= maxBooting);
                                QVERIFY(ready + booting + n <= tgt);
                            }
                        }
    }

    void shrinkTakesOldestIdleBeyondTarget() {
        const qint64 ttl = 10000;
        // Three ready, target 1: the two oldest past the ttl go.
        QCOMPARE(poolmath::shrink({20000, 50000, 30000}, 0, 1, ttl), (QList<int>{1, 2}));
        // Only one is past the ttl: only it goes.
        QCOMPARE(poolmath::shrink({2000, 50000, 3000}, 0, 1, ttl), (QList<int>{1}));
        // Booting ones count towards the target: with one booting, all three ready may go.
        QCOMPARE(poolmath::shrink({20000, 50000, 30000}, 1, 1, ttl), (QList<int>{1, 2, 0}));
        // At or below the target nothing goes, however old.
        QCOMPARE(poolmath::shrink({99000, 99000}, 0, 2, ttl), QList<int>{});
        QCOMPARE(poolmath::shrink({}, 0, 0, ttl), QList<int>{});
        // Exactly the ttl is not longer than it.
        QCOMPARE(poolmath::shrink({10000}, 0, 0, ttl), QList<int>{});
    }

    void backoffDoublesAndIsCapped() {
        QCOMPARE(poolmath::backoffMs(0), 0);
        QCOMPARE(poolmath::backoffMs(1), 2000);
        QCOMPARE(poolmath::backoffMs(2), 4000);
        QCOMPARE(poolmath::backoffMs(3), 8000);
        QCOMPARE(poolmath::backoffMs(8), 256000);
        QCOMPARE(poolmath::backoffMs(9), poolmath::kMaxBackoffMs);
        QCOMPARE(poolmath::backoffMs(1000), poolmath::kMaxBackoffMs);
        for (int f = 1; f < 40; ++f)
            QVERIFY(poolmath::backoffMs(f + 1) >= poolmath::backoffMs(f));
    }

    // The template's `pool` object: defaults, max following min_ready, and clear errors.
    void templatePoolField() {
        TemplateRules rules;
        rules.images = {"tiny"};
        auto check = [&](const QJsonValue& pool, Template* out) {
            return TemplateStore::validate({{"image", "tiny"}, {"pool", pool}}, rules, out);
        };
        Template t;
        QVERIFY(TemplateStore::validate({{"image", "tiny"}}, rules, &t).isEmpty());
        QCOMPARE(t.pool, (TemplatePool{0, 0, 300}));
        QVERIFY(!t.pool.enabled());
        QVERIFY(check(QJsonObject{{"min_ready", 2}, {"max", 4}, {"idle_ttl_s", 30}}, &t).isEmpty());
        QCOMPARE(t.pool, (TemplatePool{2, 4, 30}));
        QVERIFY(check(QJsonObject{{"min_ready", 2}}, &t).isEmpty());
        QCOMPARE(t.pool.max, 2);
        auto firstError = [&](const QJsonValue& pool) {
            const auto errors = check(pool, nullptr);
            return errors.isEmpty() ? QString() : errors.first().message;
        };
        QCOMPARE(firstError(QJsonObject{{"min_ready", 3}, {"max", 2}}),
                 QString("field 'pool.max' must be at least min_ready (3): a pool never holds more than max sandboxes"));
        QCOMPARE(firstError(QJsonObject{{"max", 33}}), QString("field 'pool.max' must be a number between 0 and 32"));
        QCOMPARE(firstError(QJsonObject{{"min_ready", -1}}),
                 QString("field 'pool.min_ready' must be a number between 0 and 32"));
        QCOMPARE(firstError(QJsonObject{{"max", 1}, {"idle_ttl_s", 0}}),
                 QString("field 'pool.idle_ttl_s' must be a number between 1 and 604800"));
        QCOMPARE(firstError(QJsonObject{{"max", "2"}}), QString("field 'pool.max' must be a number between 0 and 32"));
        QVERIFY(firstError(3).startsWith("field 'pool' must be an object"));
        const QJsonObject api = t.toJson().value("pool").toObject();
        QCOMPARE(api, (QJsonObject{{"min_ready", 2}, {"max", 2}, {"idle_ttl_s", 300}}));
    }
};

QTEST_GUILESS_MAIN(PoolMathTest)
#include "PoolMathTest.moc"
