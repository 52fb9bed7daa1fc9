// vivarium-netprobe: the one network program the `tunnel` and `egress` benchmarks run on
// both sides of a comparison (static, no Qt, so the same binary runs in the tiny guest and
// on the host). Two halves:
//  * `serve ADDR PORT [--daemon]`: a TCP server, one thread per connection (no fork, so a
//    connection costs the same in a TCG guest as the server's own work). The first line a
//    client sends picks what the connection does: `ZERO N` (N zero bytes in 64 KiB writes,
//    then end), `SINK N` (read N bytes, answer the count), `ECHO` (echo until the end), `SPLIT`
//    (echo, each answer in two writes 1 ms apart),
//    or an HTTP request (HTTP/1.1 keep-alive: 200 with a small fixed body per request).
//    Prints the port it listens on; --daemon returns once listening and leaves the server
//    running detached (stdio on /dev/null), which is how a guest exec starts it.
//  * clients that time themselves with CLOCK_MONOTONIC and print one line of samples in
//    microseconds: `echo-rtt HOST PORT N` (64-byte round trips on one connection),
//    `connect-rtt HOST PORT N` (connect → first echoed byte, a new connection each time) and
//    `http HOST PORT N --via direct|proxy|connect [--proxy HOST:PORT] [--new]` (GET requests:
//    origin-form to HOST:PORT, absolute-form through an HTTP proxy, or origin-form inside one
//    CONNECT tunnel through it; --new: a new connection, and for connect a new CONNECT, per
//    request).
// Every socket has TCP_NODELAY, as real servers and clients set it, so Nagle's algorithm is
// not part of any baseline. It measures; it does not judge: the bench compares the numbers.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <string>
#include <thread>
#include <vector>

namespace {

constexpr size_t kWrite = 64 * 1024;
constexpr char kBody[] = "vivarium-netprobe: ok\n";

double nowUs() {
    timespec ts{};
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return double(ts.tv_sec) * 1e6 + double(ts.tv_nsec) / 1e3;
}

[[noreturn]] void die(const std::string& what) {
    std::fprintf(stderr, "vivarium-netprobe: %s\n", what.c_str());
    std::exit(1);
}

void noDelay(int fd) {
    const int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

bool writeAll(int fd, const char* p, size_t n) {
    while (n > 0) {
        const ssize_t w = ::send(fd, p, n, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return false;
        p += w;
        n -= size_t(w);
    }
    return true;
}
bool writeAll(int fd, const std::string& s) { return writeAll(fd, s.data(), s.size()); }

// A connection's read side with a buffer, for line and header parsing.
struct Reader {
    int fd;
    std::string buf;
    bool eof = false;
    bool fill() {
        char tmp[kWrite];
        for (;;) {
            const ssize_t n = ::recv(fd, tmp, sizeof tmp, 0);
            if (n < 0 && errno == EINTR)
                continue;
            if (n <= 0) {
                eof = true;
                return false;
            }
            buf.append(tmp, size_t(n));
            return true;
        }
    }
    // Everything up to and including `delim`; empty at the end of the stream.
    std::string until(const std::string& delim) {
        size_t at;
        while ((at = buf.find(delim)) == std::string::npos)
            if (!fill())
                return {};
        std::string out = buf.substr(0, at + delim.size());
        buf.erase(0, at + delim.size());
        return out;
    }
    bool exactly(size_t n) {
        while (buf.size() < n)
            if (!fill())
                return false;
        buf.erase(0, n);
        return true;
    }
};

// IPv4 literals only: a static binary cannot use the resolver's shared plugins, and the
// benchmarks name addresses.
int connectTo(const std::string& host, const std::string& port) {
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(uint16_t(std::atoi(port.c_str())));
    if (::inet_pton(AF_INET, host.c_str(), &a.sin_addr) != 1)
        die("not an IPv4 address: " + host);
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0 || ::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0)
        die("cannot connect to " + host + ":" + port + ": " + std::strerror(errno));
    noDelay(fd);
    return fd;
}

// ---- server --------------------------------------------------------------------------------

// Content-Length of a request head (lower-cased search), 0 when absent.
size_t contentLength(const std::string& head) {
    std::string lower = head;
    for (char& c : lower)
        c = char(std::tolower(static_cast<unsigned char>(c)));
    const size_t at = lower.find("\r\ncontent-length:");
    return at == std::string::npos ? 0 : size_t(std::strtoull(lower.c_str() + at + 17, nullptr, 10));
}

void serveHttp(Reader& r, std::string head) {
    const std::string response = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: " +
                                 std::to_string(sizeof kBody - 1) + "\r\n\r\n" + kBody;
    while (!head.empty()) {
        if (!r.exactly(contentLength(head)) || !writeAll(r.fd, response))
            return;
        head = r.until("\r\n\r\n");
    }
}

void serveConnection(int fd) {
    noDelay(fd);
    Reader r{fd, {}};
    const std::string line = r.until("\n");
    if (line.rfind("ZERO ", 0) == 0) {
        size_t left = size_t(std::strtoull(line.c_str() + 5, nullptr, 10));
        const std::vector<char> zeros(kWrite, 0);
        while (left > 0) {
            const size_t n = std::min(left, kWrite);
            if (!writeAll(fd, zeros.data(), n))
                break;
            left -= n;
        }
        ::shutdown(fd, SHUT_WR);
        while (r.fill())
            r.buf.clear();
    } else if (line.rfind("SINK ", 0) == 0) {
        // A byte count, not the end of the stream, says when to answer: a tunnel's client
        // cannot rely on half-closing its side (see bench/README.md, "tunnel").
        const size_t want = size_t(std::strtoull(line.c_str() + 5, nullptr, 10));
        size_t total = r.buf.size();
        r.buf.clear();
        while (total < want && r.fill()) {
            total += r.buf.size();
            r.buf.clear();
        }
        writeAll(fd, std::to_string(total) + "\n");
        while (r.fill())
            r.buf.clear();
    } else if (line == "ECHO\n" || line == "SPLIT\n") {
        // SPLIT answers each read in two writes 1 ms apart, as a server that writes a
        // response's head and then its body does.
        const bool split = line == "SPLIT\n";
        auto echo = [&] {
            if (r.buf.empty())
                return true;
            const size_t first = split ? (r.buf.size() + 1) / 2 : r.buf.size();
            bool ok = writeAll(fd, r.buf.data(), first);
            if (ok && first < r.buf.size()) {
                ::usleep(1000);
                ok = writeAll(fd, r.buf.data() + first, r.buf.size() - first);
            }
            r.buf.clear();
            return ok;
        };
        while (echo() && r.fill()) {
        }
    } else if (line.find(" HTTP/1.") != std::string::npos) {
        const std::string rest = r.until("\r\n\r\n");
        if (!rest.empty())
            serveHttp(r, line + rest);
    }
    ::close(fd);
}

int serve(const std::string& addr, int port, bool daemonize) {
    const int s = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    const int one = 1;
    ::setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(uint16_t(port));
    if (::inet_pton(AF_INET, addr.c_str(), &a.sin_addr) != 1)
        die("not an IPv4 address: " + addr);
    if (::bind(s, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 || ::listen(s, 128) != 0)
        die("cannot listen on " + addr + ":" + std::to_string(port) + ": " + std::strerror(errno));
    socklen_t len = sizeof a;
    ::getsockname(s, reinterpret_cast<sockaddr*>(&a), &len);
    std::printf("%d\n", ntohs(a.sin_port));
    std::fflush(stdout);
    if (daemonize) {
        const pid_t pid = ::fork();
        if (pid < 0)
            die("fork failed");
        if (pid > 0)
            return 0; // listening already: the caller may connect as soon as we exit
        ::setsid();
        const int null = ::open("/dev/null", O_RDWR);
        for (int fd = 0; fd < 3; ++fd)
            ::dup2(null, fd);
    }
    ::signal(SIGPIPE, SIG_IGN);
    for (;;) {
        const int c = ::accept4(s, nullptr, nullptr, SOCK_CLOEXEC);
        if (c < 0) {
            if (errno == EINTR || errno == ECONNABORTED)
                continue;
            die(std::string("accept: ") + std::strerror(errno));
        }
        std::thread(serveConnection, c).detach();
    }
}

// ---- clients -------------------------------------------------------------------------------

void printSamples(const std::vector<double>& us) {
    std::string out;
    for (double v : us) {
        char b[32];
        std::snprintf(b, sizeof b, "%s%.1f", out.empty() ? "" : " ", v);
        out += b;
    }
    std::printf("%s\n", out.c_str());
}

int echoRtt(const std::string& host, const std::string& port, int n) {
    const int fd = connectTo(host, port);
    Reader r{fd, {}};
    if (!writeAll(fd, std::string("ECHO\n")))
        die("write failed");
    const std::string msg(64, 'x');
    std::vector<double> us;
    for (int i = -5; i < n; ++i) { // 5 unmeasured
        const double t0 = nowUs();
        if (!writeAll(fd, msg) || !r.exactly(msg.size()))
            die("the echo connection ended");
        if (i >= 0)
            us.push_back(nowUs() - t0);
    }
    ::close(fd);
    printSamples(us);
    return 0;
}

// n × (connect, "ECHO\nx", the echoed byte, close): connection setup to the first byte.
int connectRtt(const std::string& host, const std::string& port, int n) {
    std::vector<double> us;
    for (int i = -2; i < n; ++i) { // 2 unmeasured
        const double t0 = nowUs();
        const int fd = connectTo(host, port);
        Reader r{fd, {}};
        if (!writeAll(fd, std::string("ECHO\nx")) || !r.exactly(1))
            die("no first byte came back");
        if (i >= 0)
            us.push_back(nowUs() - t0);
        ::close(fd);
    }
    printSamples(us);
    return 0;
}

// Reads one response (Content-Length framing, as the server above sends); false at the end.
bool readResponse(Reader& r) {
    const std::string head = r.until("\r\n\r\n");
    if (head.rfind("HTTP/1.1 200", 0) != 0 && head.rfind("HTTP/1.0 200", 0) != 0) {
        std::fprintf(stderr, "vivarium-netprobe: unexpected response: %.300s\n",
                     head.empty() ? "(connection closed)" : head.c_str());
        return false;
    }
    return r.exactly(contentLength(head));
}

int http(const std::string& host, const std::string& port, int n, const std::string& via,
         const std::string& proxy, bool fresh) {
    const std::string authority = host + ":" + port;
    const size_t colon = proxy.rfind(':');
    const std::string proxyHost = proxy.substr(0, colon), proxyPort = proxy.substr(colon + 1);
    const std::string target = via == "proxy" ? "http://" + authority + "/bench" : "/bench";
    const std::string connection = fresh ? "close" : "keep-alive";
    const std::string request = "GET " + target + " HTTP/1.1\r\nHost: " + authority +
                                "\r\nUser-Agent: vivarium-netprobe\r\nConnection: " + connection +
                                "\r\n\r\n";
    int fd = -1;
    Reader r{-1, {}};
    auto open = [&] {
        if (fd >= 0)
            ::close(fd);
        fd = via == "direct" ? connectTo(host, port) : connectTo(proxyHost, proxyPort);
        r = Reader{fd, {}};
        if (via == "connect") {
            if (!writeAll(fd, "CONNECT " + authority + " HTTP/1.1\r\nHost: " + authority + "\r\n\r\n"))
                die("write failed");
            const std::string head = r.until("\r\n\r\n");
            if (head.find(" 200") == std::string::npos)
                die("CONNECT refused: " + head.substr(0, 300));
        }
    };
    std::vector<double> us;
    if (!fresh)
        open();
    for (int i = -3; i < n; ++i) { // 3 unmeasured
        const double t0 = nowUs();
        if (fresh)
            open();
        if (!writeAll(fd, request) || !readResponse(r))
            die("request " + std::to_string(i + 1) + " failed");
        if (i >= 0)
            us.push_back(nowUs() - t0);
    }
    ::close(fd);
    printSamples(us);
    return 0;
}

[[noreturn]] void usage() {
    std::fprintf(stderr,
                 "usage: vivarium-netprobe serve ADDR PORT [--daemon]\n"
                 "       vivarium-netprobe echo-rtt HOST PORT N\n"
                 "       vivarium-netprobe connect-rtt HOST PORT N\n"
                 "       vivarium-netprobe http HOST PORT N --via direct|proxy|connect "
                 "[--proxy HOST:PORT] [--new]\n");
    std::exit(2);
}

} // namespace

int main(int argc, char** argv) {
    std::vector<std::string> a(argv + 1, argv + argc);
    if (a.empty())
        usage();
    ::signal(SIGPIPE, SIG_IGN);
    if (a[0] == "serve" && (a.size() == 3 || (a.size() == 4 && a[3] == "--daemon")))
        return serve(a[1], std::atoi(a[2].c_str()), a.size() == 4);
    if (a[0] == "connect-rtt" && a.size() == 4)
        return connectRtt(a[1], a[2], std::max(1, std::atoi(a[3].c_str())));
    if (a[0] == "echo-rtt" && a.size() == 4)
        return echoRtt(a[1], a[2], std::max(1, std::atoi(a[3].c_str())));
    if (a[0] == "http" && a.size() >= 4) {
        std::string via = "direct", proxy = "127.0.0.1:3128";
        bool fresh = false;
        for (size_t i = 4; i < a.size(); ++i) {
            if (a[i] == "--via" && i + 1 < a.size())
                via = a[++i];
            else if (a[i] == "--proxy" && i + 1 < a.size())
                proxy = a[++i];
            else if (a[i] == "--new")
                fresh = true;
            else
                usage();
        }
        if (via != "direct" && via != "proxy" && via != "connect")
            usage();
        return http(a[1], a[2], std::max(1, std::atoi(a[3].c_str())), via, proxy, fresh);
    }
    usage();
}
