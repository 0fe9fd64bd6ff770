// SPDX-License-Identifier: Apache-2.0
// `.env` files as introspection-microgateway (dotenv) and Docker Compose users write them:
// what each line sets, what the environment keeps, and how malformed lines are reported.
#include "core/config/dotenv.h"

#include <QDir>
#include <QFile>
#include <QTemporaryDir>
#include <QTest>

using namespace Tokengate;

namespace {

QProcessEnvironment environment(const QStringList &assignments) {
    QProcessEnvironment env;
    for (const QString &a : assignments)
        env.insert(a.section(u'=', 0, 0), a.section(u'=', 1));
    return env;
}

QStringList sorted(QStringList list) {
    list.sort();
    return list;
}

} // namespace

class TestDotEnv : public QObject {
    Q_OBJECT

private slots:
    void withDotEnv_data() {
        QTest::addColumn<QByteArray>("file");
        QTest::addColumn<QStringList>("env");      // NAME=value before the file is read
        QTest::addColumn<QStringList>("expected"); // every NAME=value after
        QTest::addColumn<QStringList>("problems"); // "<path>" stands for the file's path

        auto row = [](const char *name, const QByteArray &file, const QStringList &env,
                      const QStringList &expected, const QStringList &problems = {}) {
            QTest::newRow(name) << file << env << expected << problems;
        };
        auto l = [](std::initializer_list<const char *> items) {
            QStringList list;
            for (const char *i : items)
                list << QString::fromUtf8(i);
            return list;
        };

        row("KEY=VALUE", "SSO_CLIENT_ID=gateway\n", {}, l({"SSO_CLIENT_ID=gateway"}));
        row("no final newline", "A=1\nB=2", {}, l({"A=1", "B=2"}));
        row("CRLF", "A=1\r\nB=two words\r\n", {}, l({"A=1", "B=two words"}));
        row("export prefix", "export A=1\nexport   B=2\n", {}, l({"A=1", "B=2"}));
        row("name starting with export", "exported=1\n", {}, l({"exported=1"}));
        row("comments and blank lines", "# header\n\n   \nA=1\n  # indented\n\t\nB=2\n#C=3\n", {},
            l({"A=1", "B=2"}));
        row("blanks around '='", "A = 1\n  B=  2  \n", {}, l({"A=1", "B=2"}));
        row("empty value", "A=\nB=''\nC=\"\"\n", {}, l({"A=", "B=", "C="}));
        row("'=' in the value", "URL=https://idp/x?a=b&c=d\n", {},
            l({"URL=https://idp/x?a=b&c=d"}));
        row("UTF-8", "A=gr\xc3\xbc\xc3\x9f\n", {}, l({"A=gr\xc3\xbc\xc3\x9f"}));

        row("single quotes are literal", "A='a b # c \\n \"d\"'\n", {}, l({"A=a b # c \\n \"d\""}));
        row("single quotes keep blanks", "A='  x  '\n", {}, l({"A=  x  "}));
        row("double quotes: \\n, \\\" and \\\\", "A=\"line1\\nline2 \\\"q\\\" back\\\\slash\"\n",
            {}, l({"A=line1\nline2 \"q\" back\\slash"}));
        row("double quotes keep # and blanks", "A=\" x # y \"\n", {}, l({"A= x # y "}));
        row("comment after a quoted value", "A='v' # c\nB=\"w\" # d\n", {}, l({"A=v", "B=w"}));

        row("' #' starts a comment in an unquoted value", "A=value # comment\n", {},
            l({"A=value"}));
        row("'#' without a blank before it is data", "A=val#ue\nB=#x\n", {},
            l({"A=val#ue", "B=#x"}));
        row("only a comment after '='", "A= # fill me in\nB=  # and me\n", {}, l({"A=", "B="}));
        row("secret with special characters", "S=s+/=%&:\n", {}, l({"S=s+/=%&:"}));

        row("environment wins", "A=file\nB=file\n", l({"A=env"}), l({"A=env", "B=file"}));
        row("empty environment value wins", "A=file\n", l({"A="}), l({"A="}));
        row("other environment kept", "A=1\n", l({"PATH=/bin", "HOME=/root"}),
            l({"A=1", "HOME=/root", "PATH=/bin"}));
        row("later line wins, as in dotenv", "A=1\nA=2\n", {}, l({"A=2"}));
        row("names are case-sensitive", "a=1\nA=2\n", {}, l({"A=2", "a=1"}));

        row("malformed lines reported, others applied",
            "A=1\nNOEQUALS\n1A=2\nA-B=3\n=4\nB='unterminated\nC=\"unterminated\nD=5\n", {},
            l({"A=1", "D=5"}),
            l({"<path>:2: expected NAME=value", "<path>:3: expected NAME=value",
               "<path>:4: expected NAME=value", "<path>:5: expected NAME=value",
               "<path>:6: B has an unterminated quote", "<path>:7: C has an unterminated quote"}));
        row("line numbers count comments and blanks", "# c\n\nbad line\n", {}, {},
            l({"<path>:3: expected NAME=value"}));
        row("empty file", "", l({"A=1"}), l({"A=1"}));
    }
    void withDotEnv() {
        QFETCH(QByteArray, file);
        QFETCH(QStringList, env);
        QFETCH(QStringList, expected);
        QFETCH(QStringList, problems);

        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const QString path = dir.filePath(QStringLiteral(".env"));
        QFile f(path);
        QVERIFY(f.open(QIODevice::WriteOnly));
        QCOMPARE(f.write(file), file.size());
        f.close();

        QStringList reported;
        const QProcessEnvironment result = Tokengate::withDotEnv(environment(env), path, &reported);
        QCOMPARE(sorted(result.toStringList()), sorted(expected));
        for (QString &p : problems)
            p.replace(QStringLiteral("<path>"), path);
        QCOMPARE(reported, problems);
    }

    void missingFileIsFine() {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        QStringList problems;
        const QProcessEnvironment env = environment({QStringLiteral("A=1")});
        const QProcessEnvironment result =
            Tokengate::withDotEnv(env, dir.filePath(QStringLiteral("absent.env")), &problems);
        QCOMPARE(result.toStringList(), env.toStringList());
        QCOMPARE(problems, QStringList());
    }

    void unreadableFileIsReported() {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        // A directory exists but cannot be read as a file, whoever runs the test.
        const QString path = dir.filePath(QStringLiteral("dir.env"));
        QVERIFY(QDir(dir.path()).mkdir(QStringLiteral("dir.env")));
        QStringList problems;
        const QProcessEnvironment result =
            Tokengate::withDotEnv(environment({QStringLiteral("A=1")}), path, &problems);
        QCOMPARE(result.toStringList(), QStringList{QStringLiteral("A=1")});
        QCOMPARE(problems.size(), 1);
        QVERIFY2(problems.first().startsWith(path + QStringLiteral(": ")),
                 qPrintable(problems.first()));
    }

    // dir/.env holding `text`; empty when it cannot be written.
    static QString writeDotEnv(const QTemporaryDir &dir, const QByteArray &text) {
        const QString path = dir.filePath(QStringLiteral(".env"));
        QFile f(path);
        if (!dir.isValid() || !f.open(QIODevice::WriteOnly) || f.write(text) != text.size())
            return {};
        return path;
    }

    // .env holds a few settings; a larger file (or a symlink to /dev/zero) is a mistake, not
    // something to read into memory without end.
    void oversizedFileIsReported() {
        QTemporaryDir dir;
        QByteArray text = "B=2\n";
        text += QByteArray((1 << 20) - text.size() + 1, '#');
        const QString path = writeDotEnv(dir, text);
        QVERIFY(!path.isEmpty());
        QStringList problems;
        const QProcessEnvironment result =
            Tokengate::withDotEnv(environment({QStringLiteral("A=1")}), path, &problems);
        QCOMPARE(result.toStringList(), QStringList{QStringLiteral("A=1")});
        QCOMPARE(problems, QStringList{path + QStringLiteral(": larger than 1 MiB")});
    }

    void problemsAreAppended() {
        QTemporaryDir dir;
        const QString path = writeDotEnv(dir, "oops\n");
        QVERIFY(!path.isEmpty());
        QStringList problems{QStringLiteral("earlier problem")};
        Tokengate::withDotEnv(QProcessEnvironment(), path, &problems);
        QCOMPARE(problems, (QStringList{QStringLiteral("earlier problem"),
                                        path + QStringLiteral(":1: expected NAME=value")}));
    }
};

QTEST_GUILESS_MAIN(TestDotEnv)
#include "tst_dotenv.moc"
